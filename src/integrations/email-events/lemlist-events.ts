import { z } from 'zod';
import { canonicalEmail } from '../../accounts/email-address.js';
import type { IncomingEmailEvent } from './events.repository.js';

/** The Lemlist activity types Leadline applies (others are acknowledged and ignored). */
export const LEMLIST_EMAIL_TYPES = [
  'emailsSent',
  'emailsOpened',
  'emailsClicked',
  'emailsReplied',
  'emailsBounced',
  'emailsFailed',
  'emailsSendFailed',
  'emailsUnsubscribed',
] as const;
export type LemlistEmailType = (typeof LEMLIST_EMAIL_TYPES)[number];

// Lemlist's webhook payload is the activity object (`_id`, `type`, `leadEmail`, `campaignId`, ...). No
// signature and no documented retry policy: the unguessable URL authenticates, `_id` deduplicates.
export const ZLemlistActivity = z.object({
  _id: z.string().min(1).max(100),
  type: z.string().min(1).max(60),
  leadEmail: z.string().max(254).optional(),
  campaignId: z.string().min(1).max(100).optional(),
  campaignName: z.string().max(300).optional(),
  sequenceStep: z.number().int().min(0).max(1000).optional(),
  createdAt: z.string().max(40).optional(),
});
export type LemlistActivity = z.infer<typeof ZLemlistActivity>;

function isEmailType(type: string): type is LemlistEmailType {
  return (LEMLIST_EMAIL_TYPES as readonly string[]).includes(type);
}

/**
 * The activity reduced to what Leadline keeps, or why it is not kept: another channel's activity
 * (LinkedIn, calls, campaign-level) is `ignored`; an e-mail activity without a lead or campaign is
 * `invalid` (400).
 */
export function toIncomingLemlistEvent(
  activity: LemlistActivity,
): IncomingEmailEvent | { ignored: true } | { invalid: string } {
  if (!isEmailType(activity.type)) return { ignored: true };
  const email = activity.leadEmail ? canonicalEmail(activity.leadEmail) : null;
  if (!email) return { invalid: 'leadEmail must be an e-mail address' };
  if (!activity.campaignId) return { invalid: 'campaignId is required' };
  const createdAt = activity.createdAt ? new Date(activity.createdAt) : new Date();
  return {
    provider: 'lemlist',
    eventKey: activity._id,
    eventType: activity.type,
    email,
    providerCampaignId: activity.campaignId,
    occurredAt: Number.isNaN(createdAt.getTime()) ? new Date() : createdAt,
    detail: {
      ...(activity.campaignName ? { campaignName: activity.campaignName } : {}),
      ...(activity.sequenceStep !== undefined ? { sequenceStep: activity.sequenceStep } : {}),
      ...(activity.type === 'emailsUnsubscribed' ? { optOutSource: 'customer' } : {}),
    },
  };
}
