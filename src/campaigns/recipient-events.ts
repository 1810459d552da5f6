import { type CampaignEvent, recordCampaignEvent } from '../automations/campaign-events.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { RecipientStatus } from './campaigns.table.js';

/** The automation event a recipient's new status is (queued, skipped and cancelled are none). */
const EVENT_OF: Partial<Record<RecipientStatus, CampaignEvent>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  replied: 'replied',
  failed: 'failed',
  opted_out: 'opted_out',
};

export interface RecipientChange {
  campaignId: string;
  contactId: string;
  /** The status the recipient was moved to. */
  status: RecipientStatus;
}

/**
 * Tells automations (the `campaign_event` trigger) that these recipients changed status, in the transaction
 * that changed them. Pass only the rows an update actually changed (its `returning`): every status update
 * is conditional on the statuses it may move from, so a repeated or regressing provider status changes no
 * row and records nothing, and two concurrent ones change the row once (the second re-reads it after the
 * first commits and no longer matches).
 */
export async function recordRecipientChanges(
  trx: TenantTransaction,
  changes: readonly RecipientChange[],
): Promise<void> {
  for (const change of changes) {
    const event = EVENT_OF[change.status];
    if (!event) continue;
    await recordCampaignEvent(trx, { campaignId: change.campaignId, contactId: change.contactId, event });
  }
}
