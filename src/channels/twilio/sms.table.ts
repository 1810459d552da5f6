import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

/** The durable receipt of an inbound SMS, stored before Twilio's webhook is answered (ADR 0027). */
export interface SmsInboundTable {
  /** The Twilio number (`twilio_numbers.id`) the message was sent to. */
  numberId: string;
  messageSid: string;
  tenantId: Generated<string>;
  /** The sender's E.164 number without the plus: the conversation's queue key. */
  conversationKey: string;
  fromE164: string;
  body: string;
  /** Every parameter Twilio signed, as posted. */
  params: JsonColumn<Record<string, string | string[]>>;
  idempotencyToken: string | null;
  requestId: string;
  processedAt: Date | null;
  receivedAt: Generated<Date>;
}

export type SmsInbound = Selectable<SmsInboundTable>;

/**
 * A verified Twilio status callback that named no ledger row Leadline knows yet, kept until the row
 * appears (then applied forward-only and deleted) or it expires (ADR 0027).
 */
export interface SmsStatusEventsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  numberId: string;
  /** The ledger row the StatusCallback URL names. */
  messageId: string;
  messageSid: string;
  status: string;
  errorCode: number | null;
  idempotencyToken: string | null;
  requestId: string;
  receivedAt: Generated<Date>;
}
