import { insertDomainEvent } from '../events/domain-events.repository.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { CAMPAIGN_EVENTS } from './rule-schema.js';

export type CampaignEvent = (typeof CAMPAIGN_EVENTS)[number];

/**
 * What a campaign engine tells automations: a recipient's status changed (the `campaign_event` trigger reads
 * these domain events). Call in the transaction that records the status change.
 */
export async function recordCampaignEvent(
  trx: TenantTransaction,
  event: { campaignId: string; contactId: string; event: CampaignEvent },
): Promise<void> {
  await insertDomainEvent(trx, {
    type: 'campaign.event',
    subjectId: event.contactId,
    payload: { campaignId: event.campaignId, event: event.event },
  });
}
