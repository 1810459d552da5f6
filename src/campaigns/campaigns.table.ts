import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';

export const CAMPAIGN_CHANNEL_KINDS = ['whatsapp', 'sms', 'lemlist'] as const;
export type CampaignChannelKind = (typeof CAMPAIGN_CHANNEL_KINDS)[number];

export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const RECIPIENT_STATUSES = [
  'queued',
  'skipped',
  'sent',
  'delivered',
  'read',
  'replied',
  'failed',
  'opted_out',
  'cancelled',
] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export type VariantKey = 'A' | 'B';

/** Where a template variable's value comes from: a contact attribute or a custom field, with a fallback. */
export interface TemplateVariable {
  component: 'header' | 'body' | 'button';
  index: number;
  /** `contact.firstName`, `contact.lastName`, `contact.company`, `contact.email`, `contact.fields.<key>`. */
  source: string;
  fallback: string;
}

export interface CampaignVariant {
  key: VariantKey;
  template?: {
    name: string;
    language: string;
    variables: TemplateVariable[];
    headerMediaUrl?: string;
  };
  /** The SMS text (variables as `{{contact.firstName}}`). */
  text?: string;
}

export interface CampaignContent {
  variants: CampaignVariant[];
  lemlistCampaignId?: string;
}

export interface CampaignsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  channelKind: CampaignChannelKind;
  /** The WhatsApp channel or Twilio number; null for Lemlist. */
  channelId: string | null;
  segmentId: string | null;
  status: Generated<CampaignStatus>;
  pausedReason: Generated<string | null>;
  /** When a scheduled campaign starts (chosen in the workspace's time zone, stored as an instant). */
  scheduledAt: Generated<Date | null>;
  replyHandling: Generated<'bot' | 'human'>;
  content: JsonColumn<CampaignContent>;
  /** Quiet hours in each recipient's local time, minutes after midnight; null: none. Default 21:00–09:00. */
  quietHoursStart: Generated<number | null>;
  quietHoursEnd: Generated<number | null>;
  createdByUserId: string | null;
  launchedAt: Generated<Date | null>;
  completedAt: Generated<Date | null>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;

export interface CampaignRecipientsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  campaignId: string;
  contactId: string;
  variant: Generated<VariantKey>;
  status: Generated<RecipientStatus>;
  skipReason: Generated<string | null>;
  errorCode: Generated<string | null>;
  /** Not sent before this instant (quiet hours, back-off, the channel's daily tier). */
  notBefore: Generated<Date>;
  attempts: Generated<number>;
  /** The send-ledger row (null for Lemlist). */
  messageId: Generated<string | null>;
  conversationId: Generated<string | null>;
  sentAt: Generated<Date | null>;
  deliveredAt: Generated<Date | null>;
  readAt: Generated<Date | null>;
  repliedAt: Generated<Date | null>;
  failedAt: Generated<Date | null>;
  createdAt: Generated<Date>;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export type CampaignRecipient = Selectable<CampaignRecipientsTable>;
