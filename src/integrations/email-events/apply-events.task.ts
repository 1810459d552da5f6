import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { defineTask } from '../../platform/jobs/task.js';
import { type ApplyHooks, applyWaitingEmailEvents } from './apply.js';
import { emailEventsApplyTask, emailEventsJobKey } from './email-events-task-refs.js';

/** Soon while events are recent (their lead is being pushed now), then every quarter hour until expiry. */
const SOON_MS = 10_000;
const LATER_MS = 15 * 60_000;

/** Asks for a look at the workspace's waiting events after `delayMs` (one pending job per workspace). */
export async function scheduleEmailEventsCheck(
  trx: TenantTransaction,
  tenantId: string,
  requestId: string,
  delayMs = SOON_MS,
): Promise<void> {
  await enqueue(
    trx,
    emailEventsApplyTask,
    {},
    { requestId, jobKey: emailEventsJobKey(tenantId), runAt: new Date(Date.now() + delayMs) },
  );
}

/**
 * `email-events.apply`: applies the workspace's waiting events whose contact or Lemlist campaign now
 * exists and expires those past UNMATCHED_EMAIL_EVENT_TTL_MS; while some still wait it looks again (soon
 * for recent ones, every 15 minutes otherwise), so an event is applied at the latest 15 minutes after
 * what it names appears, and never dropped before it expires.
 */
export function createApplyEmailEventsTask(hooks: ApplyHooks = {}) {
  return defineTask({
    ...emailEventsApplyTask,
    async handle(_payload, ctx) {
      await ctx.withTenant(async (trx) => {
        const result = await applyWaitingEmailEvents(trx, hooks);
        if (result.applied > 0 || result.expired > 0) ctx.logger.info(result, 'e-mail events settled');
        if (result.waiting > 0) {
          await scheduleEmailEventsCheck(
            trx,
            ctx.tenantId,
            ctx.requestId,
            result.recent > 0 ? SOON_MS : LATER_MS,
          );
        }
      });
    },
  });
}
