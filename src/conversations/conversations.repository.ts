import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type {
  Conversation,
  ConversationOwnershipEvent,
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
  input: { channelId: string; contactId: string },
): Promise<Conversation> {
  const row = await trx
    .insertInto('conversations')
    .values({ channelId: input.channelId, contactId: input.contactId, pausedUntil: null, language: null })
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
 * messages open the 24-hour customer-service window (`last_inbound_at`); a system notice does not.
 */
export async function recordInboundActivity(
  trx: TenantTransaction,
  id: string,
  sentAt: Date,
  options: { fromCustomer: boolean } = { fromCustomer: true },
): Promise<void> {
  await trx
    .updateTable('conversations')
    .set({
      ...(options.fromCustomer
        ? { lastInboundAt: sql<Date>`greatest(last_inbound_at, ${sentAt}::timestamptz)` }
        : {}),
      lastMessageAt: sql<Date>`greatest(last_message_at, ${sentAt}::timestamptz)`,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
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

/** A conversation with what a list shows of its contact. */
export type ConversationSummary = Conversation & {
  contactPhoneE164: string;
  contactDisplayName: string | null;
  /** `last_message_at`, or `created_at` before any message: the order of the list. */
  activityAt: Date;
};

export interface ConversationCursor {
  activityAt: Date;
  id: string;
}

// A conversation is created with its first message, but one made by a send (outbound helper) may have no
// activity yet; created_at stands in so the keyset never meets a null. Truncated to what a JavaScript Date
// (and so a cursor) holds, or a row's microseconds would put it on both sides of its own cursor.
const activity = sql<Date>`date_trunc('milliseconds', coalesce(conversations.last_message_at, conversations.created_at))`;

/** Most recently active first; keyset pagination on (activity, id) so pages stay stable while new messages arrive. */
export async function listConversations(
  trx: TenantTransaction,
  options: { limit: number; after?: ConversationCursor | undefined; ownership?: string | undefined },
): Promise<ConversationSummary[]> {
  let query = trx
    .selectFrom('conversations')
    .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
    .selectAll('conversations')
    .select(['contacts.phoneE164 as contactPhoneE164', 'contacts.displayName as contactDisplayName'])
    .select(activity.as('activityAt'))
    .orderBy(activity, 'desc')
    .orderBy('conversations.id', 'desc')
    .limit(options.limit);
  if (options.ownership) query = query.where('conversations.ownership', '=', options.ownership as 'bot');
  const after = options.after;
  if (after) {
    query = query.where(
      sql<boolean>`(${activity}, conversations.id) < (${after.activityAt}::timestamptz, ${after.id}::uuid)`,
    );
  }
  return query.execute();
}

export async function findConversationSummary(
  trx: TenantTransaction,
  id: string,
): Promise<ConversationSummary | undefined> {
  return trx
    .selectFrom('conversations')
    .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
    .selectAll('conversations')
    .select(['contacts.phoneE164 as contactPhoneE164', 'contacts.displayName as contactDisplayName'])
    .select(activity.as('activityAt'))
    .where('conversations.id', '=', id)
    .executeTakeFirst();
}
