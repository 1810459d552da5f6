import { sql } from 'kysely';
import { z } from 'zod';
import type { Actor } from '../api-keys/api-keys.service.js';
import { notify } from '../notifications/notify.js';
import { contactLabel, conversationAudience } from '../notifications/recipients.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { defineTask } from '../platform/jobs/task.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { findConversation } from './conversations.repository.js';
import { type InboxConversation, loadInboxConversation } from './conversations.service.js';

/** A snooze ends within this time (longer is what closing is for). */
export const MAX_SNOOZE_MS = 90 * 24 * 3_600_000;

/**
 * Wakes a snoozed conversation when its time comes: the inbox views already show it again by their own
 * condition (`snoozed_until <= now()`); the job clears the mark and tells the live inbox, so open tabs
 * refetch. A job for a snooze that was changed or ended meanwhile does nothing (its time no longer matches).
 */
export const wakeSnoozedTask = defineTask({
  id: 'conversations.wake-snoozed',
  schema: z.object({ conversationId: z.uuid(), until: z.iso.datetime() }),
  maxAttempts: 5,
  async handle({ conversationId, until }, ctx) {
    await ctx.withTenant(async (trx) => {
      const woken = await trx
        .updateTable('conversations')
        .set({ snoozedUntil: null, updatedAt: sql<Date>`now()` })
        .where('id', '=', conversationId)
        .where('snoozedUntil', '=', new Date(until))
        .returning(['id', 'assigneeUserId', 'contactId'])
        .executeTakeFirst();
      if (!woken) return;
      await publishInboxEvent(trx, { type: 'conversation.updated', conversationId });
      // Whoever works it hears that it is back (as a handoff would tell them); preferences apply.
      await notify(trx, {
        kind: 'handoff',
        userIds: await conversationAudience(trx, woken.assigneeUserId),
        subject: { type: 'conversation', id: conversationId },
        title: `${await contactLabel(trx, woken.contactId)} is back from snooze`,
        dedupeKey: `snooze:${conversationId}:${until}`,
      });
    });
  },
});

/** Snoozes (until a future time) or wakes (`until` null) a conversation. */
export async function snoozeConversation(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  until: Date | null,
): Promise<InboxConversation> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, id, { forUpdate: true });
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    await applySnooze(trx, id, until, actor.context.requestId);
    return loadInboxConversation(trx, actor.userId, id);
  });
}

export async function applySnooze(
  trx: TenantTransaction,
  id: string,
  until: Date | null,
  requestId: string,
): Promise<void> {
  if (until !== null) {
    const ahead = until.getTime() - Date.now();
    if (ahead <= 0 || ahead > MAX_SNOOZE_MS) {
      throw new AppError('validation_failed', 'A snooze must end in the future, within 90 days', {
        details: [{ path: 'body.until', message: 'must be in the future, within 90 days' }],
      });
    }
  }
  await trx
    .updateTable('conversations')
    .set({ snoozedUntil: until, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
  if (until !== null) {
    await enqueue(
      trx,
      wakeSnoozedTask,
      { conversationId: id, until: until.toISOString() },
      { requestId, jobKey: `wake-snoozed:${id}`, runAt: until },
    );
  }
  await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: id });
}
