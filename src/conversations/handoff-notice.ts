import { notify } from '../notifications/notify.js';
import { contactLabel, conversationAudience } from '../notifications/recipients.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { autoAssign } from './auto-assign.js';
import type { Conversation } from './conversations.table.js';

/**
 * A conversation was handed to people (the customer asked, the agent handed off): the workspace's round
 * robin may pick an online member for it, and whoever should answer is notified — its assignee, or every
 * member when nobody is assigned.
 */
export async function announceHandoff(
  trx: TenantTransaction,
  conversation: Conversation,
  now: Date,
): Promise<string | null> {
  const assigned = conversation.assigneeUserId ?? (await autoAssign(trx, conversation.id));
  const name = await contactLabel(trx, conversation.contactId);
  const subject = { type: 'conversation' as const, id: conversation.id };
  const at = now.toISOString();
  await notify(trx, {
    kind: 'handoff',
    userIds: await conversationAudience(trx, assigned),
    subject,
    title: `${name} was handed to a person`,
    dedupeKey: `handoff:${conversation.id}:${at}`,
  });
  if (assigned && assigned !== conversation.assigneeUserId) {
    await notify(trx, {
      kind: 'assigned',
      userIds: [assigned],
      subject,
      title: `${name} was assigned to you`,
      dedupeKey: `assigned:${conversation.id}:${at}`,
    });
  }
  return assigned;
}
