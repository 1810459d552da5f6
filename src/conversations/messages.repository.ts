import { type QueryCreator, sql } from 'kysely';
import { sealTextOrNull } from '../platform/crypto/field-codec.js';
import type { Database } from '../platform/db/schema.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { inboundActivity } from './conversations.repository.js';
import type { InboundMedia, NormalisedMessage } from './inbound-message.js';
import { publishCustomerReply } from './message-outcomes.js';
import type { Message } from './messages.table.js';

/**
 * Stores an inbound message once, and in the same statement records it on its conversation (last
 * message, the customer's 24-hour window, reopening: `recordInboundActivity`). A second insert of the same
 * (channel, wamid) returns undefined and changes nothing.
 */
export async function insertInboundMessage(
  trx: TenantTransaction,
  input: {
    conversationId: string;
    channelId: string;
    providerMessageId: string;
    sentAt: Date;
    message: NormalisedMessage;
  },
): Promise<Message | undefined> {
  const text = await sealTextOrNull(trx, 'messages.text', input.message.text);
  const stored = await trx
    .with('inserted', (db) =>
      db
        .insertInto('messages')
        .values({
          conversationId: input.conversationId,
          channelId: input.channelId,
          direction: 'inbound',
          author: input.message.author,
          authorUserId: null,
          providerMessageId: input.providerMessageId,
          type: input.message.type,
          text,
          content: JSON.stringify(input.message.content),
          sentAt: input.sentAt,
          status: null,
          statusAt: null,
          errorCode: null,
          errorTitle: null,
          idempotencyKey: null,
        })
        .onConflict((oc) => oc.columns(['channelId', 'providerMessageId']).doNothing())
        .returningAll(),
    )
    // Only when the message is new: a repeat changes nothing.
    .with('recorded', (db) =>
      // The CTE's creator knows `inserted` as well; the update needs only the schema's tables.
      inboundActivity(db as unknown as QueryCreator<Database>, input.conversationId, input.sentAt, {
        fromCustomer: input.message.author === 'customer',
      })
        .where(sql<boolean>`exists (select 1 from inserted)`)
        .returning('conversations.id'),
    )
    .selectFrom('inserted')
    .selectAll()
    .executeTakeFirst();
  if (stored && stored.author === 'customer') {
    await publishCustomerReply(trx, {
      conversationId: stored.conversationId,
      messageId: stored.id,
      sentAt: stored.sentAt,
    });
  }
  return stored;
}

export async function findMessageByProviderId(
  trx: TenantTransaction,
  channelId: string,
  providerMessageId: string,
): Promise<Message | undefined> {
  return trx
    .selectFrom('messages')
    .selectAll()
    .where('channelId', '=', channelId)
    .where('providerMessageId', '=', providerMessageId)
    .executeTakeFirst();
}

/** The media row the download job fills in; `pending` until then. */
export async function insertPendingMedia(
  trx: TenantTransaction,
  messageId: string,
  media: InboundMedia,
): Promise<void> {
  await trx
    .insertInto('messageMedia')
    .values({
      messageId,
      providerMediaId: media.providerMediaId,
      mimeType: media.mimeType,
      sha256: media.sha256,
      fileName: media.fileName,
      sizeBytes: null,
      blobKey: null,
      failure: null,
    })
    .onConflict((oc) => oc.column('messageId').doNothing())
    .execute();
}

export interface MessageCursor {
  sentAt: Date;
  id: string;
}

/**
 * A conversation's messages in time order (Meta's time for inbound), keyset-paginated on (sent_at, id):
 * oldest first, or newest first for a thread view that opens on the latest page and scrolls back.
 */
export async function listMessages(
  trx: TenantTransaction,
  conversationId: string,
  options: { limit: number; after?: MessageCursor | undefined; order?: 'asc' | 'desc' },
): Promise<Message[]> {
  const order = options.order ?? 'asc';
  let query = trx
    .selectFrom('messages')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .orderBy('sentAt', order)
    .orderBy('id', order)
    .limit(options.limit);
  const after = options.after;
  if (after) {
    const position = sql`(${after.sentAt}::timestamptz, ${after.id}::uuid)`;
    query = query.where(
      order === 'asc' ? sql<boolean>`(sent_at, id) > ${position}` : sql<boolean>`(sent_at, id) < ${position}`,
    );
  }
  return query.execute();
}

/** The last `limit` messages of each of several conversations, newest first per conversation, in one query. */
export async function latestMessagesOf(
  trx: TenantTransaction,
  conversationIds: readonly string[],
  limit: number,
): Promise<Message[]> {
  if (conversationIds.length === 0) return [];
  const { rows } = await sql<Message>`
    select m.* from unnest(${sql.val([...conversationIds])}::uuid[]) as c(id)
    cross join lateral (
      select * from messages where conversation_id = c.id order by sent_at desc, id desc limit ${limit}
    ) m`.execute(trx);
  return rows;
}
