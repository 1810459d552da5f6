import { z } from 'zod';
import { canonicalEmail } from '../../accounts/email-address.js';
import type { ConsentSource } from '../../contacts/consent/consent.table.js';
import type { IncomingEmailEvent } from './events.repository.js';

// Postmark's outbound webhooks, one RecordType each (https://postmarkapp.com/developer/webhooks). Only the
// fields Leadline uses are read; the rest (the bounce dump, user agents, geo) is ignored.
// Postmark writes up to 7 fractional digits and an offset ("2016-04-27T16:28:50.3963933-04:00").
const ZTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a valid timestamp');
const ZMessageId = z.string().min(1).max(100);
const ZAddress = z.string().min(3).max(254);
const ZTag = z.string().max(1000).nullish();

const ZDelivery = z.object({
  RecordType: z.literal('Delivery'),
  MessageID: ZMessageId,
  Recipient: ZAddress,
  DeliveredAt: ZTimestamp,
  Tag: ZTag,
});
const ZBounce = z.object({
  RecordType: z.literal('Bounce'),
  ID: z.number().int().optional(),
  MessageID: ZMessageId,
  Type: z.string().max(60),
  TypeCode: z.number().int(),
  Email: ZAddress,
  BouncedAt: ZTimestamp,
  Inactive: z.boolean().optional(),
  Tag: ZTag,
});
const ZSpamComplaint = ZBounce.extend({ RecordType: z.literal('SpamComplaint') });
const ZOpen = z.object({
  RecordType: z.literal('Open'),
  MessageID: ZMessageId,
  Recipient: ZAddress,
  ReceivedAt: ZTimestamp,
  FirstOpen: z.boolean().optional(),
  Tag: ZTag,
});
const ZClick = z.object({
  RecordType: z.literal('Click'),
  MessageID: ZMessageId,
  Recipient: ZAddress,
  ReceivedAt: ZTimestamp,
  OriginalLink: z.string().max(2000).optional(),
  Tag: ZTag,
});
const ZSubscriptionChange = z.object({
  RecordType: z.literal('SubscriptionChange'),
  MessageID: ZMessageId,
  Recipient: ZAddress,
  ChangedAt: ZTimestamp,
  Origin: z.string().max(60).optional(),
  SuppressSending: z.boolean(),
  SuppressionReason: z.string().max(60).nullish(),
  Tag: ZTag,
});

export const ZPostmarkEvent = z.discriminatedUnion('RecordType', [
  ZDelivery,
  ZBounce,
  ZSpamComplaint,
  ZOpen,
  ZClick,
  ZSubscriptionChange,
]);
export type PostmarkEvent = z.infer<typeof ZPostmarkEvent>;

/**
 * Bounce TypeCodes that say the address will never take mail, or that the person refused it (Postmark's
 * enum: HardBounce 1, Unsubscribe 16, BadEmailAddress 100000, SpamComplaint 100001). Soft and transient
 * bounces (2, 4096, ...) suppress nothing.
 */
const SUPPRESSING_BOUNCES: Record<number, ConsentSource> = {
  1: 'email_provider',
  16: 'customer',
  100000: 'email_provider',
  100001: 'customer',
};

function optOutSource(event: PostmarkEvent): ConsentSource | undefined {
  switch (event.RecordType) {
    case 'Bounce':
      return SUPPRESSING_BOUNCES[event.TypeCode];
    case 'SpamComplaint':
      return 'customer';
    case 'SubscriptionChange':
      // Reactivation (SuppressSending false) is never an opt-in: only the customer opts in again.
      if (!event.SuppressSending) return undefined;
      if (event.SuppressionReason === 'HardBounce') return 'email_provider';
      return event.Origin === 'Recipient' || event.SuppressionReason === 'SpamComplaint'
        ? 'customer'
        : 'operator';
    default:
      return undefined;
  }
}

/** Postmark's event reduced to what Leadline keeps, keyed by MessageID and RecordType (retries are no-ops). */
export function toIncomingPostmarkEvent(event: PostmarkEvent): IncomingEmailEvent | { invalidAddress: true } {
  const address = 'Email' in event ? event.Email : event.Recipient;
  const email = canonicalEmail(address);
  if (!email) return { invalidAddress: true };
  const occurredAt = new Date(
    event.RecordType === 'Delivery'
      ? event.DeliveredAt
      : event.RecordType === 'Bounce' || event.RecordType === 'SpamComplaint'
        ? event.BouncedAt
        : event.RecordType === 'SubscriptionChange'
          ? event.ChangedAt
          : event.ReceivedAt,
  );
  const source = optOutSource(event);
  const detail: Record<string, unknown> = {
    messageId: event.MessageID,
    ...(event.Tag ? { tag: event.Tag.slice(0, 100) } : {}),
    ...(event.RecordType === 'Bounce' || event.RecordType === 'SpamComplaint'
      ? { bounceType: event.Type, typeCode: event.TypeCode }
      : {}),
    ...(event.RecordType === 'SubscriptionChange'
      ? { suppressSending: event.SuppressSending, reason: event.SuppressionReason ?? null }
      : {}),
    ...(source ? { optOutSource: source } : {}),
  };
  // A SubscriptionChange can suppress and later reactivate one message's recipient: both are kept.
  const suffix = event.RecordType === 'SubscriptionChange' ? `:${event.SuppressSending}` : '';
  return {
    provider: 'postmark',
    eventKey: `${event.MessageID}:${event.RecordType}${suffix}`,
    eventType: event.RecordType,
    email,
    providerCampaignId: null,
    occurredAt,
    detail,
  };
}
