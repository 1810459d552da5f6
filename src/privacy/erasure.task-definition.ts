import { z } from 'zod';
import type { TaskReference } from '../platform/jobs/task.js';

export const ZEraseContactPayload = z.object({ erasureId: z.uuid() });

/** The erasure job's identity, for enqueueing (its handler needs the blob store: erasure.task.ts). */
export const ERASE_CONTACT_TASK = {
  id: 'privacy.erase-contact',
  schema: ZEraseContactPayload,
  maxAttempts: 10,
} as const satisfies TaskReference<typeof ZEraseContactPayload>;
