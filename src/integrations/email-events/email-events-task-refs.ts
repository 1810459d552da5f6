import { z } from 'zod';
import type { TaskReference } from '../../platform/jobs/task.js';

/** Applies a workspace's waiting e-mail events whose contact or campaign appeared, and expires old ones. */
export const emailEventsApplyTask = {
  id: 'email-events.apply',
  schema: z.object({}),
  maxAttempts: 5,
} satisfies TaskReference;

/** One pending job per workspace (job keys are global to the queue). */
export function emailEventsJobKey(tenantId: string): string {
  return `email-events:${tenantId}`;
}
