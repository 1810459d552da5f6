import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { countLabels, replaceConversationLabels } from '../labels/labels.repository.js';
import { notify } from '../notifications/notify.js';
import { contactLabel } from '../notifications/recipients.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { findMembership } from '../tenants/members.repository.js';
import { findConversation, markRead, setAssignee, setStatus } from './conversations.repository.js';
import { type InboxConversation, loadInboxConversation } from './conversations.service.js';
import type { Conversation, ConversationStatus } from './conversations.table.js';
import { memberName, mentionedMembers } from './mentions.js';
import { findNote, insertNote, listNotes, type NoteView } from './notes.repository.js';

/**
 * Runs a change on a locked conversation; when it changed anything, the live inbox hears of it at
 * commit. Answers with the conversation as the actor now sees it.
 */
async function changeConversation(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  change: (trx: TenantTransaction, conversation: Conversation) => Promise<boolean>,
): Promise<InboxConversation> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, id, { forUpdate: true });
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    if (await change(trx, conversation)) {
      await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: id });
    }
    return loadInboxConversation(trx, actor.userId, id);
  });
}

/** Closing takes a conversation out of the open inbox; the customer's next message reopens it. */
export async function setConversationStatus(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  status: ConversationStatus,
): Promise<InboxConversation> {
  return changeConversation(db, tenantId, actor, id, (trx) => setStatus(trx, id, status));
}

/**
 * Gives a conversation to a member of the tenant (or to nobody). Assignment says who answers, not who
 * owns the conversation's automation (that is ownership): it is recorded in the audit log.
 */
export async function assignConversation(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  assigneeUserId: string | null,
): Promise<InboxConversation> {
  return changeConversation(db, tenantId, actor, id, (trx, conversation) =>
    applyAssignee(trx, tenantId, actor, conversation, assigneeUserId),
  );
}

/** Assigns a conversation the caller holds locked; the assignee is notified (unless they did it). */
export async function applyAssignee(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
  conversation: Conversation,
  assigneeUserId: string | null,
): Promise<boolean> {
  const id = conversation.id;
  if (assigneeUserId && !(await findMembership(trx, assigneeUserId))) {
    throw new AppError('not_a_member', 'The assignee is not a member of this workspace');
  }
  if (conversation.assigneeUserId === assigneeUserId) return false;
  await setAssignee(trx, id, assigneeUserId);
  await auditChange(
    trx,
    tenantId,
    actor,
    assigneeUserId ? 'conversation.assigned' : 'conversation.unassigned',
    {
      conversationId: id,
      assigneeUserId,
      previousAssigneeUserId: conversation.assigneeUserId,
    },
  );
  if (assigneeUserId && assigneeUserId !== actor.userId) {
    await notify(trx, {
      kind: 'assigned',
      userIds: [assigneeUserId],
      subject: { type: 'conversation', id },
      title: `${await contactLabel(trx, conversation.contactId)} was assigned to you`,
      dedupeKey: `assigned:${id}:${new Date().toISOString()}`,
    });
  }
  return true;
}

/** Makes the conversation's labels exactly these (each one of the tenant's). */
export async function setConversationLabels(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  labelIds: readonly string[],
): Promise<InboxConversation> {
  const unique = [...new Set(labelIds)];
  return changeConversation(db, tenantId, actor, id, async (trx) => {
    if ((await countLabels(trx, unique)) !== unique.length) {
      throw new AppError('unknown_label', 'One of the labels does not exist');
    }
    return replaceConversationLabels(trx, id, unique);
  });
}

/** Everything received until now is read for this user (their unread count drops to zero). */
export async function markConversationRead(
  db: Db,
  tenantId: string,
  userId: string,
  id: string,
): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, id);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    await markRead(trx, id, userId);
    await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: id });
  });
}

/** A private note: stored apart from messages, so no send path and no message list can reach it. */
export async function addNote(
  db: Db,
  tenantId: string,
  actor: Actor,
  conversationId: string,
  text: string,
): Promise<NoteView> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    const note = await insertNote(trx, { conversationId, authorUserId: actor.userId, text });
    await publishInboxEvent(trx, { type: 'note.created', conversationId, noteId: note.id });
    const mentioned = (await mentionedMembers(trx, text)).filter((userId) => userId !== actor.userId);
    if (mentioned.length > 0) {
      const author = actor.userId ? await memberName(trx, actor.userId) : 'Someone';
      await notify(trx, {
        kind: 'mention',
        userIds: mentioned,
        subject: { type: 'conversation', id: conversationId },
        title: `${author} mentioned you in a note on ${await contactLabel(trx, conversation.contactId)}`,
        dedupeKey: `mention:${note.id}`,
      });
    }
    return (await findNote(trx, note.id)) as NoteView;
  });
}

export async function listNotePage(
  db: Db,
  tenantId: string,
  conversationId: string,
  options: { limit: number; after?: PageCursor | undefined },
): Promise<Page<NoteView>> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    const rows = await listNotes(trx, conversationId, { ...options, limit: options.limit + 1 });
    return pageOf(rows, options.limit, (row) => ({ at: row.createdAt, id: row.id }));
  });
}
