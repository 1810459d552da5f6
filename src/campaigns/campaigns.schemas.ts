import { z } from 'zod';
import { ZLine } from '../platform/http/text-fields.js';
import { CAMPAIGN_CHANNEL_KINDS, CAMPAIGN_STATUSES, RECIPIENT_STATUSES } from './campaigns.table.js';

/** A contact attribute or custom field a template variable or SMS placeholder reads. */
export const ZVariableSource = z
  .string()
  .max(80)
  .regex(
    /^contact\.(firstName|lastName|displayName|company|email|phone|fields\.[a-z][a-z0-9_]{0,49})$/,
    'contact.firstName, contact.lastName, contact.displayName, contact.company, contact.email, contact.phone or contact.fields.<key>',
  );

const ZTemplateVariable = z.strictObject({
  component: z.enum(['header', 'body', 'button']),
  index: z.int().min(1).max(20),
  source: ZVariableSource,
  fallback: z.string().max(200),
});

const ZVariant = z.strictObject({
  key: z.enum(['A', 'B']),
  template: z
    .strictObject({
      name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name (lower case letters, digits, _)'),
      language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a template language such as en_US'),
      variables: z.array(ZTemplateVariable).max(30).default([]),
      headerMediaUrl: z
        .url({ protocol: /^https$/ })
        .max(2000)
        .optional(),
    })
    .optional(),
  text: z.string().min(1).max(1600).optional(),
});

export const ZCampaignContent = z
  .strictObject({
    variants: z.array(ZVariant).max(2),
    lemlistCampaignId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/)
      .optional(),
  })
  .refine(
    (content) => new Set(content.variants.map((variant) => variant.key)).size === content.variants.length,
    'variant keys must differ',
  )
  .meta({ id: 'CampaignContent' });

const ZMinute = z.int().min(0).max(1439);

export const ZCampaignInput = z.strictObject({
  name: ZLine(200),
  channelKind: z.enum(CAMPAIGN_CHANNEL_KINDS),
  channelId: z.uuid().nullable().default(null),
  segmentId: z.uuid().nullable().default(null),
  replyHandling: z.enum(['bot', 'human']).default('bot'),
  content: ZCampaignContent.default({ variants: [] }),
  /** Minutes after midnight in the recipient's local time; null both for no quiet hours. */
  quietHours: z
    .strictObject({ start: ZMinute, end: ZMinute })
    .nullable()
    .default({ start: 21 * 60, end: 9 * 60 }),
});
export type CampaignInput = z.infer<typeof ZCampaignInput>;

export const ZCampaignPatch = z
  .strictObject({
    name: ZLine(200),
    channelId: z.uuid().nullable(),
    segmentId: z.uuid().nullable(),
    replyHandling: z.enum(['bot', 'human']),
    content: ZCampaignContent,
    quietHours: z.strictObject({ start: ZMinute, end: ZMinute }).nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type CampaignPatch = z.infer<typeof ZCampaignPatch>;

export const ZCampaign = z
  .object({
    id: z.uuid(),
    name: z.string(),
    channelKind: z.enum(CAMPAIGN_CHANNEL_KINDS),
    channelId: z.uuid().nullable(),
    segmentId: z.uuid().nullable(),
    status: z.enum(CAMPAIGN_STATUSES),
    pausedReason: z.string().nullable(),
    scheduledAt: z.iso.datetime().nullable(),
    replyHandling: z.enum(['bot', 'human']),
    content: z.unknown(),
    quietHours: z.object({ start: z.int(), end: z.int() }).nullable(),
    createdByUserId: z.uuid().nullable(),
    launchedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Campaign' });

export const ZRecipient = z
  .object({
    id: z.uuid(),
    contactId: z.uuid(),
    /** First and last name, else the profile name; null when the contact has none. */
    contactName: z.string().nullable(),
    variant: z.enum(['A', 'B']),
    status: z.enum(RECIPIENT_STATUSES),
    skipReason: z.string().nullable(),
    errorCode: z.string().nullable(),
    notBefore: z.iso.datetime(),
    messageId: z.uuid().nullable(),
    conversationId: z.uuid().nullable(),
    sentAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    readAt: z.iso.datetime().nullable(),
    repliedAt: z.iso.datetime().nullable(),
    failedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'CampaignRecipient' });

export const ZEta = z.object({
  /** Days the sends spread over (the channel's daily tier); 0 when nothing is left to send. */
  days: z.int(),
  finishesAt: z.iso.datetime().nullable(),
});

export const ZPreview = z
  .object({
    total: z.int(),
    eligible: z.int(),
    excluded: z.record(z.string(), z.int()),
    eta: ZEta,
    cost: z.object({ segments: z.int(), estimateMicros: z.int(), currency: z.string() }).optional(),
  })
  .meta({ id: 'CampaignPreview' });

export const ZProgress = z
  .object({
    status: z.enum(CAMPAIGN_STATUSES),
    pausedReason: z.string().nullable(),
    counts: z.record(z.string(), z.int()),
    sentPerSecond: z.number(),
    eta: ZEta,
  })
  .meta({ id: 'CampaignProgress' });
