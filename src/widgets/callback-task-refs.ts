import { z } from 'zod';
import type { TaskReference } from '../platform/jobs/task.js';

const ZCallbackJob = z.object({ callbackId: z.uuid() });

/** Places the business leg(s) of a call-back (now, at the next opening, or for a retry). */
export const placeCallTask = {
  id: 'callbacks.place',
  schema: ZCallbackJob.extend({ agentIndex: z.number().int().min(0).max(20).optional() }),
  maxAttempts: 5,
} as const satisfies TaskReference<z.ZodType>;

/** Out of hours: the SMS to the visitor and the notice to the business. */
export const notifyClosedTask = {
  id: 'callbacks.notify-closed',
  schema: ZCallbackJob,
  maxAttempts: 5,
} as const satisfies TaskReference<z.ZodType>;

/** Ends the other agents' ringing legs once one agent took the call. */
export const endOtherLegsTask = {
  id: 'callbacks.end-other-legs',
  schema: ZCallbackJob.extend({ keepCallSid: z.string().min(1).max(64) }),
  maxAttempts: 3,
} as const satisfies TaskReference<z.ZodType>;
