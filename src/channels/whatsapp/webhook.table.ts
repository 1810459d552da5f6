import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

/** A verified delivery, byte for byte. */
export interface WhatsappWebhookEventsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  channelId: string;
  requestId: string;
  body: Buffer;
  receivedAt: Generated<Date>;
}

/** The durable receipt of one inbound message, unique per (channel, wamid); processed later, in order. */
export interface WhatsappInboundTable {
  channelId: string;
  providerMessageId: string;
  tenantId: Generated<string>;
  /** The customer's canonical phone digits: one conversation (and one job queue) per channel and key. */
  conversationKey: string;
  eventId: string;
  /** Meta's timestamp, not arrival time. */
  sentAt: Date;
  /** The message object exactly as Meta sent it. */
  message: JsonColumn<Record<string, unknown>, never>;
  /** The matching `contacts[]` entry (profile name, wa_id), when Meta sent one. */
  profile: JsonColumn<Record<string, unknown> | null, never>;
  processedAt: Date | null;
  receivedAt: Generated<Date>;
}

export type WhatsappInbound = Selectable<WhatsappInboundTable>;

export type WhatsappStatus = 'sent' | 'delivered' | 'read' | 'failed' | 'played';

export interface WhatsappStatusEventsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  channelId: string;
  providerMessageId: string;
  status: WhatsappStatus;
  occurredAt: Date;
  recipientId: string | null;
  /** Meta's `errors[]` for a failed status (code, title, ...). */
  errors: JsonColumn<Array<Record<string, unknown>> | null, never>;
  /** Meta's echo of the send's `biz_opaque_callback_data`: our ledger row's id (ADR 0018). */
  callbackData: ColumnType<string | null, string | null | undefined, never>;
  eventId: string;
  appliedAt: Date | null;
}

export type WhatsappStatusEvent = Selectable<WhatsappStatusEventsTable>;
