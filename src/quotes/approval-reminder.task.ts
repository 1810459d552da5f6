import { z } from 'zod';
import { type Role, roleAllows } from '../accounts/permissions.js';
import { recordAudit } from '../audit/audit.repository.js';
import { queueMail } from '../mail/mail.task.js';
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

/** Reminder mails per version: the first reminders mail the approvers, later ones only flag the inbox. */
export const MAX_REMINDER_MAILS = 3;

const APPROVER_ROLES = (['owner', 'admin', 'agent'] as const).filter((role: Role) =>
  roleAllows(role, 'quotes.approve'),
);

/**
 * Mails every member allowed to approve quotes, at most MAX_REMINDER_MAILS times per version (counted
 * on the version in the same transaction, so a retried job never mails past the cap). The mails are
 * queued in the transaction: sent if and only if it commits.
 */
async function mailApprovers(
  trx: TenantTransaction,
  deps: ApprovalReminderDeps,
  input: { versionId: string; number: string; version: number; quoteId: string; requestId: string },
): Promise<number> {
  const counted = await trx
    .updateTable('quoteVersions')
    .set((eb) => ({ reminderMails: eb('reminderMails', '+', 1) }))
    .where('id', '=', input.versionId)
    .where('reminderMails', '<', MAX_REMINDER_MAILS)
    .returning('reminderMails')
    .executeTakeFirst();
  if (!counted) return 0;
  const approvers = await trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select('u.email')
    .where('m.role', 'in', APPROVER_ROLES)
    .orderBy('m.userId')
    .execute();
  const link = deps.publicUrl;
  for (const { email } of approvers) {
    await queueMail(
      trx,
      deps.secretKey,
      {
        to: email,
        subject: `Quote ${input.number} is waiting for your approval`,
        text: `Quote ${input.number} (version ${input.version}) is still waiting for approval.

Review it in Leadline's approval queue: ${link}

You receive this because you may approve quotes in this workspace.`,
      },
      { requestId: input.requestId },
    );
  }
  return approvers.length;
}

export interface ApprovalReminderDeps {
  /** Seals the queued mails (the mail task's key). */
  secretKey: string;
  /** Where the dashboard is, for the link in the mail. */
  publicUrl: string;
}

/**
 * When the version is still awaiting approval, tells the live inbox (approvers see it flagged) and the
 * audit log, mails the approvers (capped per version), and schedules the next reminder; a version
 * decided meanwhile ends the chain.
 */
export function createApprovalReminderTask(deps: ApprovalReminderDeps) {
  return defineTask({
    ...approvalReminderTask,
    async handle({ versionId, reminder }, ctx) {
      await ctx.withTenant(async (trx) => {
        const version = await findVersionById(trx, versionId);
        if (version?.status !== 'pending_approval') return;
        const quote = await findQuote(trx, version.quoteId);
        if (!quote) return;
        const mailed = await mailApprovers(trx, deps, {
          versionId,
          number: quote.number,
          version: version.version,
          quoteId: quote.id,
          requestId: ctx.requestId,
        });
        await recordAudit(trx, {
          action: 'quote.approval_reminder',
          tenantId: ctx.tenantId,
          context: null,
          detail: { quoteId: quote.id, number: quote.number, version: version.version, reminder, mailed },
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
}
