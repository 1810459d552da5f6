import { sql } from 'kysely';
import type { ChannelCapabilities, ChannelKind } from '../channels/channel-adapter.js';
import { channelAdapter } from '../channels/registry.js';
import { sealTextOrNull } from '../platform/crypto/field-codec.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import type { Message, MessageAuthor } from './messages.table.js';

/**
 * A file a message carries, named by where its bytes live (an attachment source the channel runtime was
 * given, e.g. `quote-pdf` and a version id): the bytes are read and uploaded only when the row is sent.
 */
export interface OutboundAttachment {
  source: string;
  id: string;
  filename: string;
  mimeType: string;
}

export interface ReplyButton {
  /** Comes back verbatim in the customer's reply (≤ 256 characters). */
  id: string;
  /** What the customer reads on the button (≤ 20 characters). */
  title: string;
}

export type OutboundBody =
  | { type: 'text'; text: string }
  | {
      type: 'template';
      template: { name: string; language: string; components?: Array<Record<string, unknown>> };
      /** The file of the template's DOCUMENT header. */
      document?: OutboundAttachment;
    }
  | { type: 'document'; document: OutboundAttachment; caption?: string }
  | { type: 'interactive'; text: string; buttons: readonly ReplyButton[] };

/** What a channel must be able to carry for each kind of outbound body. */
const CAPABILITY_OF: Record<OutboundBody['type'], keyof ChannelCapabilities> = {
  text: 'text',
  template: 'template',
  document: 'media',
  interactive: 'interactive',
};

/** The row's readable text and type-specific content, as stored in the ledger. */
function ledgerFields(body: OutboundBody): { text: string | null; content: Record<string, unknown> } {
  switch (body.type) {
    case 'text':
      return { text: body.text, content: {} };
    case 'template':
      return {
        text: null,
        content: { template: body.template, ...(body.document ? { document: body.document } : {}) },
      };
    case 'document':
      return { text: body.caption ?? null, content: { document: body.document } };
    case 'interactive':
      return { text: body.text, content: { buttons: body.buttons } };
  }
}

export interface OutboundRequest {
  conversationId: string;
  /** The conversation's channel and contact number, when the caller holds them (saves reading them). */
  recipient?: {
    channelId: string;
    channelKind: ChannelKind;
    phoneE164: string;
  };
  author: Exclude<MessageAuthor, 'customer'>;
  authorUserId?: string | null;
  body: OutboundBody;
  /** Unique per tenant: the same key twice yields the first message, never a second send. */
  idempotencyKey: string;
  /**
   * False when the caller sends the row itself right after its transaction commits and answers for the
   * send (the processing job: a failed send gets its job then; after a crash, the conversation's next
   * processing run sends it).
   */
  withSendJob?: boolean;
  requestId: string;
}

/**
 * Writes an outbound message to the send ledger and enqueues its send in the caller's transaction. The
 * send job runs in the conversation's queue, so replies leave in the order they were written. A repeated
 * idempotency key returns the existing message and enqueues nothing.
 */
export async function queueOutboundMessage(
  trx: TenantTransaction,
  request: OutboundRequest,
): Promise<{ message: Message; created: boolean }> {
  const conversation = request.recipient
    ? { id: request.conversationId, ...request.recipient }
    : await trx
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
        .select([
          'conversations.id',
          'conversations.channelId',
          'conversations.channelKind',
          'contacts.phoneE164',
        ])
        .where('conversations.id', '=', request.conversationId)
        .executeTakeFirstOrThrow();
  const fields = ledgerFields(request.body);
  const adapter = channelAdapter(conversation.channelKind);
  if (!adapter.capabilities[CAPABILITY_OF[request.body.type]]) {
    throw new AppError(
      'validation_failed',
      `A ${conversation.channelKind} conversation cannot carry ${request.body.type} messages`,
    );
  }
  const sentAt = new Date();
  const sealedText = await sealTextOrNull(trx, 'messages.text', fields.text);
  // The row and, when it is new, the conversation's last-message time: one statement.
  const inserted = await trx
    .with('inserted', (db) =>
      db
        .insertInto('messages')
        .values({
          conversationId: conversation.id,
          channelId: conversation.channelId,
          direction: 'outbound',
          author: request.author,
          authorUserId: request.authorUserId ?? null,
          type: request.body.type,
          text: sealedText,
          content: JSON.stringify(fields.content),
          sentAt,
          status: 'pending',
          idempotencyKey: request.idempotencyKey,
          // The statement's own time, not the transaction's: rows written together (a document and its
          // buttons, a turn's replies) keep the order they were written in (`inWrittenOrder`).
          createdAt: sql<Date>`clock_timestamp()`,
        })
        .onConflict((oc) => oc.columns(['tenantId', 'idempotencyKey']).doNothing())
        .returningAll(),
    )
    .with('touched', (db) =>
      db
        .updateTable('conversations')
        .set({ lastMessageAt: sentAt, updatedAt: sentAt })
        .where('id', '=', conversation.id)
        .where(sql<boolean>`exists (select 1 from inserted)`)
        .returning('conversations.id'),
    )
    .selectFrom('inserted')
    .selectAll()
    .executeTakeFirst();
  if (!inserted) {
    const existing = await trx
      .selectFrom('messages')
      .selectAll()
      .where('idempotencyKey', '=', request.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { message: existing, created: false };
  }
  await publishInboxEvent(trx, {
    type: 'message.created',
    conversationId: conversation.id,
    messageId: inserted.id,
  });
  if (request.withSendJob !== false) {
    await enqueueSend(trx, {
      channelKind: conversation.channelKind,
      messageId: inserted.id,
      queueName: adapter.conversationQueue(conversation.channelId, conversation.phoneE164.slice(1)),
      requestId: request.requestId,
    });
  }
  return { message: inserted, created: true };
}

/**
 * The send job of a ledger row, in its conversation's queue. Keyed by the message: enqueueing it again
 * while it waits replaces it instead of adding a second one.
 */
export async function enqueueSend(
  trx: TenantTransaction,
  send: { channelKind: ChannelKind; messageId: string; queueName: string; requestId: string },
): Promise<void> {
  const adapter = channelAdapter(send.channelKind);
  await enqueue(
    trx,
    adapter.sendTask,
    { messageId: send.messageId },
    { requestId: send.requestId, queueName: send.queueName, jobKey: adapter.sendJobKey(send.messageId) },
  );
}
