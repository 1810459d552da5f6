import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

export const EMAIL_EVENT_PROVIDERS = ['postmark', 'lemlist'] as const;
export type EmailEventProvider = (typeof EMAIL_EVENT_PROVIDERS)[number];

/** One row per workspace: its webhook URL credentials (sealed) and its Lemlist connection. */
export interface EmailEventSettingsTable {
  tenantId: Generated<string>;
  /** The Basic-auth user name of the Postmark webhook URL (not secret on its own). */
  postmarkUser: string;
  postmarkSecretSealed: string;
  /** The last path segment of the Lemlist webhook URL. */
  lemlistSecretSealed: string;
  lemlistApiKeySealed: string | null;
  lemlistConnectedAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type EmailEventSettings = Selectable<EmailEventSettingsTable>;

export interface EmailEventsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  provider: EmailEventProvider;
  /** Unique per workspace and provider: a provider's retry of the same event is a no-op. */
  eventKey: string;
  /** Postmark's RecordType or Lemlist's activity type, as sent. */
  eventType: string;
  /** The canonical address the event is about. */
  email: string | null;
  /** Lemlist's campaign id (`cam_…`). */
  providerCampaignId: string | null;
  occurredAt: Date;
  /** The few fields shown on the timeline (never the whole payload: it quotes message bodies). */
  detail: JsonColumn<Record<string, unknown>>;
  contactId: string | null;
  campaignId: string | null;
  receivedAt: Generated<Date>;
  /** Null while the contact (or Lemlist campaign) it names is unknown. */
  appliedAt: Date | null;
}
export type EmailEvent = Selectable<EmailEventsTable>;
