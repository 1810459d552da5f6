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
  /**
   * The file is in our blob store already (an operator's upload): the row gets its media row at once, so
   * the inbox shows and serves it like an inbound file.
   */
  stored?: { blobKey: string; sizeBytes: number };
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
      /**
       * What the customer reads (header, body and footer with the parameters filled), when the caller
       * rendered it from the template's definition; otherwise the channel renders it when it sends.
       */
      text?: string | null;
      /** The file of the template's DOCUMENT header. */
      document?: OutboundAttachment;
    }
  | { type: 'document'; document: OutboundAttachment; caption?: string }
  | { type: 'image'; image: OutboundAttachment; caption?: string }
  | { type: 'interactive'; text: string; buttons: readonly ReplyButton[] };

/** What a channel must be able to carry for each kind of outbound body. */
const CAPABILITY_OF: Record<OutboundBody['type'], keyof ChannelCapabilities> = {
  text: 'text',
  template: 'template',
  document: 'media',
  image: 'media',
  interactive: 'interactive',
};

/** The row's readable text and type-specific content, as stored in the ledger. */
function ledgerFields(body: OutboundBody): { text: string | null; content: Record<string, unknown> } {
  switch (body.type) {
    case 'text':
      return { text: body.text, content: {} };
    case 'template':
      return {
        text: body.text ?? null,
        content: { template: body.template, ...(body.document ? { document: body.document } : {}) },
      };
    case 'document':
      return { text: body.caption ?? null, content: fileContent('document', body.document) };
    case 'image':
      return { text: body.caption ?? null, content: fileContent('image', body.image) };
    case 'interactive':
      return { text: body.text, content: { buttons: body.buttons } };
  }
}

/** A file message's content: the attachment (where its bytes are), and its name as the inbox shows it. */
function fileContent(key: 'document' | 'image', attachment: OutboundAttachment): Record<string, unknown> {
  const { stored: _stored, ...named } = attachment;
  return { [key]: named, fileName: attachment.filename };
}

/** The attachment of a file message, if any. */
function attachmentOf(body: OutboundBody): OutboundAttachment | undefined {
  if (body.type === 'document' || body.type === 'template') return body.document;
  if (body.type === 'image') return body.image;
  return undefined;
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
  /**
   * A bulk send (a campaign's): its send job yields to conversational ones (a lower job priority) and
   * takes only the campaign share of the number's throughput (ADR 0039).
   */
  bulk?: boolean;
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
  const stored = attachmentOf(request.body);
  if (stored?.stored) {
    await trx
      .insertInto('messageMedia')
      .values({
        messageId: inserted.id,
        providerMediaId: null,
        mimeType: stored.mimeType,
        fileName: stored.filename,
        sizeBytes: String(stored.stored.sizeBytes),
        blobKey: stored.stored.blobKey,
        sha256: stored.stored.blobKey.slice(stored.stored.blobKey.indexOf('/') + 1),
        state: 'stored',
      })
      .execute();
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
      ...(request.bulk ? { bulk: true } : {}),
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
  send: { channelKind: ChannelKind; messageId: string; queueName: string; requestId: string; bulk?: boolean },
): Promise<void> {
  const adapter = channelAdapter(send.channelKind);
  await enqueue(
    trx,
    adapter.sendTask,
    { messageId: send.messageId, ...(send.bulk ? { bulk: true } : {}) },
    {
      requestId: send.requestId,
      queueName: send.queueName,
      jobKey: adapter.sendJobKey(send.messageId),
      // graphile-worker runs lower numbers first: a conversational reply never queues behind bulk sends.
      ...(send.bulk ? { priority: BULK_JOB_PRIORITY } : {}),
    },
  );
}

/** The job priority of bulk sends (conversational sends keep graphile-worker's default, 0). */
export const BULK_JOB_PRIORITY = 10;

/**
 * Withdraws ledger rows no send has started on (a cancelled campaign's): they are failed with the reason
 * and their send jobs, finding them no longer pending, send nothing. A row whose send has started (marked,
 * maybe at the provider already) is left to finish: it may have left. Returns the withdrawn ids.
 */
export async function withdrawUnsentMessages(
  trx: TenantTransaction,
  messageIds: readonly string[],
  reason: string,
): Promise<string[]> {
  if (messageIds.length === 0) return [];
  const rows = await trx
    .updateTable('messages')
    .set({ status: 'failed', statusAt: new Date(), errorTitle: reason, updatedAt: new Date() })
    .where('id', 'in', messageIds)
    .where('direction', '=', 'outbound')
    .where('status', '=', 'pending')
    .where('sendStartedAt', 'is', null)
    .where('providerMessageId', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}
