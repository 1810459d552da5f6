import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { defineTask } from '../../platform/jobs/task.js';
import {
  applyWaitingSmsStatuses,
  expireWaitingSmsStatuses,
  hasRecentWaitingSmsStatuses,
} from './sms-statuses.repository.js';
import { smsApplyStatusesTask, smsStatusesJobKey } from './sms-task-refs.js';

/** How long a callback naming no known row is looked at again: its send may be committing right now. */
const RECHECK_WINDOW_MS = 2 * 60_000;
const RECHECK_DELAY_MS = 10_000;

/** Asks for a look at the number's waiting callbacks a little later (one pending job per number). */
export async function scheduleSmsStatusesCheck(
  trx: TenantTransaction,
  numberId: string,
  requestId: string,
): Promise<void> {
  await enqueue(
    trx,
    smsApplyStatusesTask,
    { numberId },
    { requestId, jobKey: smsStatusesJobKey(numberId), runAt: new Date(Date.now() + RECHECK_DELAY_MS) },
  );
}

/**
 * `sms.apply-statuses`: applies a number's waiting status callbacks whose ledger rows now exist, and
 * expires those that never matched (UNMATCHED_SMS_STATUS_TTL_MS). While recent ones stay unmatched it
 * looks again a little later; older ones are looked at again whenever a new unmatched callback of the
 * number arrives, until they expire.
 */
export const smsApplyStatusesTaskDefinition = defineTask({
  ...smsApplyStatusesTask,
  async handle({ numberId }, ctx) {
    await ctx.withTenant(async (trx) => {
      const { applied } = await applyWaitingSmsStatuses(trx, numberId);
      const expired = await expireWaitingSmsStatuses(trx, numberId);
      if (applied > 0 || expired > 0) ctx.logger.info({ numberId, applied, expired }, 'SMS statuses settled');
      if (await hasRecentWaitingSmsStatuses(trx, numberId, RECHECK_WINDOW_MS)) {
        await scheduleSmsStatusesCheck(trx, numberId, ctx.requestId);
      }
    });
  },
});
