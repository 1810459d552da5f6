import { type QueryCreator, sql } from 'kysely';
import type { ChannelKind } from '../channels/channel-adapter.js';
import type { Database } from '../platform/db/schema.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type {
  Conversation,
  ConversationOwnershipEvent,
  ConversationStatus,
  Language,
  OwnershipActor,
} from './conversations.table.js';
import type { OwnershipState } from './ownership.js';

/**
 * The conversation of a contact on a channel, created on first contact. The no-op update makes the row
 * come back (and stay locked until commit) whether it was inserted or already there.
 */
export async function upsertConversation(
  trx: TenantTransaction,
  input: { channelId: string; contactId: string; channelKind?: ChannelKind },
): Promise<Conversation> {
  const row = await trx
    .insertInto('conversations')
    .values({
      channelId: input.channelId,
      channelKind: input.channelKind ?? 'whatsapp',
      contactId: input.contactId,
      pausedUntil: null,
      language: null,
    })
    .onConflict((oc) =>
      oc
        .columns(['tenantId', 'channelId', 'contactId'])
        .doUpdateSet((eb) => ({ updatedAt: eb.ref('conversations.updatedAt') })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return row;
}

export async function findConversation(
  trx: TenantTransaction,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Conversation | undefined> {
  let query = trx.selectFrom('conversations').selectAll().where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * Meta's times may arrive out of order: the activity marks only ever move forward. Only the customer's own
 * messages open the 24-hour customer-service window (`last_inbound_at`) and reopen a closed conversation;
 * a system notice does neither.
 */
export async function recordInboundActivity(
  trx: TenantTransaction,
  id: string,
  sentAt: Date,
  options: { fromCustomer: boolean } = { fromCustomer: true },
): Promise<void> {
  await inboundActivity(trx, id, sentAt, options).execute();
}

/** The update `recordInboundActivity` runs, for a statement that records it along with something else. */
export function inboundActivity(
  db: QueryCreator<Database>,
  id: string,
  sentAt: Date,
  options: { fromCustomer: boolean },
) {
  return db
    .updateTable('conversations')
    .set({
      ...(options.fromCustomer
        ? { lastInboundAt: sql<Date>`greatest(last_inbound_at, ${sentAt}::timestamptz)` }
        : {}),
      lastMessageAt: sql<Date>`greatest(last_message_at, ${sentAt}::timestamptz)`,
      // The customer writing again reopens a closed conversation.
      // ... and brings a snoozed one back at once.
      ...(options.fromCustomer ? { status: 'open' as const, snoozedUntil: null } : {}),
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id);
}

export async function saveAgentTurn(
  trx: TenantTransaction,
  id: string,
  turn: { language: Language; agentState: Record<string, unknown> },
): Promise<void> {
  await trx
    .updateTable('conversations')
    .set({
      language: turn.language,
      agentState: JSON.stringify(turn.agentState),
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function setOwnership(trx: TenantTransaction, id: string, state: OwnershipState): Promise<void> {
  await trx
    .updateTable('conversations')
    .set({ ownership: state.ownership, pausedUntil: state.pausedUntil, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function insertOwnershipEvent(
  trx: TenantTransaction,
  event: {
    conversationId: string;
    from: OwnershipState;
    to: OwnershipState;
    actorType: OwnershipActor;
    actorUserId: string | null;
    reason: string;
  },
): Promise<void> {
  await trx
    .insertInto('conversationOwnershipEvents')
    .values({
      conversationId: event.conversationId,
      fromOwnership: event.from.ownership,
      toOwnership: event.to.ownership,
      pausedUntil: event.to.pausedUntil,
      actorType: event.actorType,
      actorUserId: event.actorUserId,
      reason: event.reason,
    })
    .execute();
}

export async function listOwnershipEvents(
  trx: TenantTransaction,
  conversationId: string,
): Promise<ConversationOwnershipEvent[]> {
  return trx
    .selectFrom('conversationOwnershipEvents')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .orderBy('id')
    .execute();
}

/** True when the status changed (a repeated close is a no-op). */
export async function setStatus(
  trx: TenantTransaction,
  id: string,
  status: ConversationStatus,
): Promise<boolean> {
  const result = await trx
    .updateTable('conversations')
    .set({ status, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '<>', status)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setAssignee(trx: TenantTransaction, id: string, userId: string | null): Promise<void> {
  await trx
    .updateTable('conversations')
    .set({ assigneeUserId: userId, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** Everything received until now is read for the user; a mark never moves back. */
export async function markRead(
  trx: TenantTransaction,
  conversationId: string,
  userId: string,
): Promise<void> {
  await trx
    .insertInto('conversationReads')
    .values({ conversationId, userId, readAt: sql<Date>`now()` })
    .onConflict((oc) =>
      oc.columns(['conversationId', 'userId']).doUpdateSet({
        readAt: sql<Date>`greatest(conversation_reads.read_at, excluded.read_at)`,
      }),
    )
    .execute();
}
