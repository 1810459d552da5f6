import type { CampaignSender } from '../../campaigns/campaign-sender.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { scheduleEmailEventsCheck } from '../email-events/apply-events.task.js';
import { lemlistApiKey } from '../email-events/settings.service.js';
import { LemlistApiError, type LemlistClient } from './lemlist.client.js';

/** Lemlist campaign ids look like `cam_` and letters and digits. */
const LEMLIST_CAMPAIGN_ID = /^cam_[A-Za-z0-9]{1,60}$/;

/**
 * Outreach through Lemlist (channel kind `lemlist`): Leadline does not send cold e-mail itself; it pushes
 * the contact as a lead into the Lemlist campaign named by `content.lemlistCampaignId`, and Lemlist sends.
 * Exactly once per recipient: the engine calls this under the recipient's row lock and only while it is
 * queued, and a lead the Lemlist campaign already has (a push repeated after a crash) counts as sent.
 * 429 and 5xx are retried in the call with backoff (lemlist.client.ts), then reported retryable so the
 * engine backs off further; a refused key or an unknown campaign fails the recipient (not retried).
 */
export function createLemlistCampaignSender(deps: { client: LemlistClient; box: SecretBox }): CampaignSender {
  return {
    channelKind: 'lemlist',
    async send({ trx, campaign, contact }) {
      const lemlistCampaignId = campaign.content.lemlistCampaignId;
      if (!lemlistCampaignId || !LEMLIST_CAMPAIGN_ID.test(lemlistCampaignId)) {
        return { outcome: 'failed', errorCode: 'lemlist_campaign_missing', retryable: false };
      }
      if (!contact.email) return { outcome: 'skipped', reason: 'no_email' };
      const apiKey = await lemlistApiKey(trx, deps.box);
      if (!apiKey) return { outcome: 'failed', errorCode: 'lemlist_not_connected', retryable: false };
      try {
        await deps.client.addLeadToCampaign(apiKey, lemlistCampaignId, {
          email: contact.email,
          firstName: contact.firstName ?? undefined,
          lastName: contact.lastName ?? undefined,
          companyName: contact.company ?? undefined,
          phone: contact.phoneE164,
        });
      } catch (error) {
        if (!(error instanceof LemlistApiError)) throw error;
        if (error.status === 401 || error.status === 403) {
          return { outcome: 'failed', errorCode: 'lemlist_key_refused', retryable: false };
        }
        if (error.status === 404) {
          return { outcome: 'failed', errorCode: 'lemlist_campaign_not_found', retryable: false };
        }
        return {
          outcome: 'failed',
          errorCode: `lemlist_${error.status ?? 'unreachable'}`,
          retryable: error.retryable,
        };
      }
      // Lemlist's events about this lead may have arrived before it was pushed: look at them again now.
      await scheduleEmailEventsCheck(trx, campaign.tenantId, `lemlist:${campaign.id}`, 0);
      return { outcome: 'sent' };
    },
  };
}
