import type { Contact } from '../contacts/contacts.table.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Campaign, CampaignChannelKind, CampaignRecipient } from './campaigns.table.js';

export type CampaignSendOutcome =
  | { outcome: 'sent'; messageId?: string; conversationId?: string }
  | { outcome: 'failed'; errorCode: string; retryable: boolean }
  | { outcome: 'skipped'; reason: string };

/**
 * How one channel kind delivers a campaign's recipient. The engine (dispatcher, statuses, pacing) is
 * channel-agnostic; WhatsApp and SMS send through the send ledger (campaigns/ledger-sender.ts), Lemlist
 * pushes the contact into a Lemlist campaign (src/integrations/lemlist/campaign-sender.ts).
 */
export interface CampaignSender {
  channelKind: CampaignChannelKind;
  /** Sends (or pushes) one recipient exactly once; called inside the recipient's job. Returns the outcome. */
  send(ctx: {
    trx: TenantTransaction;
    campaign: Campaign;
    recipient: CampaignRecipient;
    contact: Contact;
  }): Promise<CampaignSendOutcome>;
}

const senders = new Map<CampaignChannelKind, CampaignSender>();

/** Registers (or replaces) the sender of a channel kind; called once at start-up by each provider. */
export function registerCampaignSender(sender: CampaignSender): void {
  senders.set(sender.channelKind, sender);
}

/** The sender of a channel kind, or undefined when none is registered (e.g. Lemlist not wired). */
export function campaignSender(kind: CampaignChannelKind): CampaignSender | undefined {
  return senders.get(kind);
}
