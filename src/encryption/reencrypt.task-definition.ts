import { z } from 'zod';
import type { TaskReference } from '../platform/jobs/task.js';

export const ZReencryptPayload = z.object({
  column: z.number().int().min(0).max(100),
  after: z.string().max(200).nullable(),
});

/** One bounded batch of a workspace's re-encryption pass; it queues the next batch itself. */
export const REENCRYPT_TASK = {
  id: 'encryption.reencrypt',
  schema: ZReencryptPayload,
  maxAttempts: 10,
} as const satisfies TaskReference<typeof ZReencryptPayload>;

export const reencryptJobKey = (tenantId: string) => `encryption.reencrypt:${tenantId}`;
