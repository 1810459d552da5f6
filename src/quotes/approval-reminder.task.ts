import { z } from 'zod';
import { recordAudit } from '../audit/audit.repository.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { defineTask, type TaskReference } from '../platform/jobs/task.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { readQuoteSettings } from './quote-settings.js';
import { findQuote, findVersionById } from './quotes.repository.js';

/** Reminds approvers of a version still waiting after the workspace's `reminderAfterMinutes`. */
export const approvalReminderTask = {
  id: 'quotes.approval-reminder',
  schema: z.object({ versionId: z.uuid(), reminder: z.number().int().min(1).max(1000) }),
  maxAttempts: 5,
} satisfies TaskReference;

/** At most this many reminders for one version: a forgotten quote must not nag forever. */
export const MAX_REMINDERS = 24;

/** Schedules the next reminder of a version (one pending job per version: the job key replaces it). */
export async function scheduleApprovalReminder(
  trx: TenantTransaction,
  versionId: string,
  reminder: number,
  requestId: string,
): Promise<void> {
  const { reminderAfterMinutes } = await readQuoteSettings(trx);
  await enqueue(
    trx,
    approvalReminderTask,
    { versionId, reminder },
    {
      requestId,
      jobKey: `quote-approval-reminder:${versionId}`,
      runAt: new Date(Date.now() + reminderAfterMinutes * 60_000),
    },
  );
}

/**
 * When the version is still awaiting approval, tells the live inbox (approvers see it flagged) and the
 * audit log, and schedules the next reminder; a version decided meanwhile ends the chain.
 */
export const approvalReminderTaskDefinition = defineTask({
  ...approvalReminderTask,
  async handle({ versionId, reminder }, ctx) {
    await ctx.withTenant(async (trx) => {
      const version = await findVersionById(trx, versionId);
      if (version?.status !== 'pending_approval') return;
      const quote = await findQuote(trx, version.quoteId);
      if (!quote) return;
      await recordAudit(trx, {
        action: 'quote.approval_reminder',
        tenantId: ctx.tenantId,
        context: null,
        detail: { quoteId: quote.id, number: quote.number, version: version.version, reminder },
      });
      await publishInboxEvent(trx, {
        type: 'quote.approval_overdue',
        quoteId: quote.id,
        conversationId: quote.conversationId,
      });
      if (reminder < MAX_REMINDERS)
        await scheduleApprovalReminder(trx, versionId, reminder + 1, ctx.requestId);
    });
  },
});
