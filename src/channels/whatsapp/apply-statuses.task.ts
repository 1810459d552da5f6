import { enqueue } from '../../platform/jobs/enqueue.js';
import { defineTask } from '../../platform/jobs/task.js';
import {
  applyPendingStatuses,
  attachReportedWamids,
  hasRecentUnappliedStatuses,
} from './statuses.repository.js';
import { applyStatusesTask } from './task-refs.js';

/** How long a status for an unknown wamid is re-checked: its send may be committing right now. */
const RECHECK_WINDOW_MS = 2 * 60_000;
const RECHECK_DELAY_MS = 10_000;

export function statusesJobKey(channelId: string): string {
  return `wa-statuses:${channelId}`;
}

/**
 * Applies a channel's waiting status callbacks. A callback can be committed between a send's own apply
 * and that send's commit; so while recent callbacks stay unmatched, the task looks again a little later
 * (one pending job per channel, by job key). Older unmatched ones wait for their send, which applies
 * them itself when it stores the wamid.
 */
export const applyStatusesTaskDefinition = defineTask({
  ...applyStatusesTask,
  async handle({ channelId }, ctx) {
    await ctx.withTenant(async (trx) => {
      // Callbacks naming a row whose send's answer was lost bring its wamid (ADR 0018).
      const attached = await attachReportedWamids(trx, channelId);
      if (attached > 0) ctx.logger.info({ attached, channelId }, 'wamids of sends in doubt attached');
      const result = await applyPendingStatuses(trx, channelId);
      if (result.applied > 0) ctx.logger.debug({ ...result, channelId }, 'statuses applied');
      if (await hasRecentUnappliedStatuses(trx, channelId, RECHECK_WINDOW_MS)) {
        await enqueue(
          trx,
          applyStatusesTask,
          { channelId },
          {
            requestId: ctx.requestId,
            jobKey: statusesJobKey(channelId),
            runAt: new Date(Date.now() + RECHECK_DELAY_MS),
          },
        );
      }
    });
  },
});
