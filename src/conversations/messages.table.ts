import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';

export type MessageDirection = 'inbound' | 'outbound';
export type MessageAuthor = 'customer' | 'bot' | 'operator' | 'system';
/** Outbound only. `pending`: in the ledger, not yet accepted by Meta; `accepted`: Meta returned a wamid. */
export type MessageStatus = 'pending' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

export interface MessagesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  conversationId: string;
  channelId: string;
  direction: MessageDirection;
  author: MessageAuthor;
  authorUserId: string | null;
  /** The wamid. On an outbound row, set means Meta accepted it: it is never sent again. */
  providerMessageId: string | null;
  /** Meta's type (`text`, `image`, `interactive`, ..., or an unknown one kept as is). */
  type: string;
  /** The readable text: body, caption, button title. */
  text: string | null;
  /** The type-specific fields, normalised. */
  content: JsonColumn<Record<string, unknown>>;
  /** Meta's time for inbound; for outbound, when it was queued. */
  sentAt: Date;
  status: MessageStatus | null;
  statusAt: Date | null;
  errorCode: number | null;
  errorTitle: string | null;
  idempotencyKey: string | null;
  /**
   * Outbound only: when the latest send request was about to leave for Meta (committed before it left).
   * On a pending row without a wamid it means the send's outcome is unknown (ADR 0018).
   */
  sendStartedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Message = Selectable<MessagesTable>;

export interface MessageMediaTable {
  messageId: string;
  tenantId: Generated<string>;
  /** Meta's id of an inbound file; null on an outbound message's media (our own upload). */
  providerMediaId: string | null;
  mimeType: string | null;
  sha256: string | null;
  fileName: string | null;
  sizeBytes: string | null;
  blobKey: string | null;
  state: Generated<'pending' | 'stored' | 'failed'>;
  failure: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type MessageMedia = Selectable<MessageMediaTable>;
