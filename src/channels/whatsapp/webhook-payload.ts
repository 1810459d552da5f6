import { z } from 'zod';
import { canonicalPhone } from '../../contacts/phone.js';
import type { WhatsappStatus } from './webhook.table.js';

// Lenient by design: Meta adds fields without notice, so only what Leadline needs is required and
// everything else is kept as sent (the message object is stored whole).
const ZTimestamp = z.string().regex(/^[0-9]{1,12}$/);
const ZMessage = z.looseObject({
  id: z.string().min(1).max(256),
  from: z.string().min(1).max(32),
  timestamp: ZTimestamp,
  type: z.string().min(1).max(64),
});
const ZContact = z.looseObject({
  wa_id: z.string(),
  profile: z.looseObject({ name: z.string() }).optional(),
});
const ZStatus = z.looseObject({
  id: z.string().min(1).max(256),
  status: z.enum(['sent', 'delivered', 'read', 'failed', 'played']),
  timestamp: ZTimestamp,
  recipient_id: z.string().max(64).optional(),
  errors: z.array(z.looseObject({})).optional(),
  // Echoed from the send (ADR 0018); anything else here is ignored rather than refusing the status.
  biz_opaque_callback_data: z.string().max(512).optional().catch(undefined),
});
const ZValue = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
const ZEnvelope = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({ changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })) }),
  ),
});

export interface InboundReceipt {
  providerMessageId: string;
  conversationKey: string;
  sentAt: Date;
  message: Record<string, unknown>;
  profile: Record<string, unknown> | null;
}

export interface StatusReceipt {
  providerMessageId: string;
  status: WhatsappStatus;
  occurredAt: Date;
  recipientId: string | null;
  errors: Array<Record<string, unknown>> | null;
  /** The send's `biz_opaque_callback_data` as Meta echoes it: the ledger row's id for our sends. */
  callbackData: string | null;
}

export interface ExtractedDelivery {
  inbound: InboundReceipt[];
  statuses: StatusReceipt[];
  /** Items that cannot be stored on their own (no id, no sender, another phone number): kept in the raw event. */
  skipped: number;
}

export class NotAWhatsappDelivery extends Error {}

const fromSeconds = (timestamp: string) => new Date(Number(timestamp) * 1000);

/**
 * Every message and status of every change of every entry addressed to `phoneNumberId`. Throws
 * NotAWhatsappDelivery when the envelope itself is not a WhatsApp Business Account delivery.
 */
export function extractDelivery(payload: unknown, phoneNumberId: string): ExtractedDelivery {
  const envelope = ZEnvelope.safeParse(payload);
  if (!envelope.success) throw new NotAWhatsappDelivery('not a whatsapp_business_account delivery');
  const result: ExtractedDelivery = { inbound: [], statuses: [], skipped: 0 };
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = ZValue.safeParse(change.value);
      if (!value.success) {
        result.skipped++;
        continue;
      }
      const { metadata, contacts = [], messages = [], statuses = [] } = value.data;
      if (metadata?.phone_number_id !== phoneNumberId) {
        result.skipped += messages.length + statuses.length;
        continue;
      }
      const profiles = new Map<string, Record<string, unknown>>();
      for (const contact of contacts) {
        const parsed = ZContact.safeParse(contact);
        if (parsed.success) profiles.set(parsed.data.wa_id, parsed.data);
      }
      for (const raw of messages) {
        const message = ZMessage.safeParse(raw);
        const phone = message.success ? canonicalPhone(message.data.from) : undefined;
        if (!message.success || !phone) {
          result.skipped++;
          continue;
        }
        result.inbound.push({
          providerMessageId: message.data.id,
          conversationKey: phone.key,
          sentAt: fromSeconds(message.data.timestamp),
          message: message.data,
          profile: profiles.get(message.data.from) ?? null,
        });
      }
      for (const raw of statuses) {
        const status = ZStatus.safeParse(raw);
        if (!status.success) {
          result.skipped++;
          continue;
        }
        result.statuses.push({
          providerMessageId: status.data.id,
          status: status.data.status,
          occurredAt: fromSeconds(status.data.timestamp),
          recipientId: status.data.recipient_id ?? null,
          errors: status.data.errors ?? null,
          callbackData: status.data.biz_opaque_callback_data ?? null,
        });
      }
    }
  }
  return result;
}
