import { type SelectQueryBuilder, sql } from 'kysely';
import { type BulkLimits, bulkShare } from '../channels/channel-adapter.js';
import { channelAdapter } from '../channels/registry.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Campaign } from './campaigns.table.js';
import { fillText } from './ledger-sender.js';

/** Lemlist takes 20 requests per 2 s per API key; pushing a contact is one request, leave half to others. */
const LEMLIST_LIMITS: CampaignLimits = { messagesPerSecond: 5, campaignPerSecond: 5, dailyRecipients: null };

export interface CampaignLimits extends BulkLimits {
  /** What campaigns may use of the throughput: the rest is kept for conversational replies (ADR 0039). */
  campaignPerSecond: number;
}

export async function campaignChannelLimits(
  trx: TenantTransaction,
  campaign: Pick<Campaign, 'channelKind' | 'channelId'>,
): Promise<CampaignLimits | undefined> {
  if (campaign.channelKind === 'lemlist') return LEMLIST_LIMITS;
  if (campaign.channelId === null) return undefined;
  const limits = await channelAdapter(campaign.channelKind).bulk.limits(trx, campaign.channelId);
  return limits && { ...limits, campaignPerSecond: bulkShare(limits.messagesPerSecond) };
}

/** Unique contacts campaigns on this campaign's channel sent to in the 24 hours before `now`. */
export async function sentInLastDay(
  trx: TenantTransaction,
  campaign: Pick<Campaign, 'channelKind' | 'channelId'>,
  now: Date,
): Promise<number> {
  if (campaign.channelId === null) return 0;
  const row = await trx
    .selectFrom('campaignRecipients as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaignId')
    .select(sql<number>`count(distinct r.contact_id)::int`.as('n'))
    .where('c.channelId', '=', campaign.channelId)
    .where('r.sentAt', '>', new Date(now.getTime() - 86_400_000))
    .executeTakeFirstOrThrow();
  return row.n;
}

/** When the oldest send still counted in the rolling 24 hours leaves it (a new day's room opens). */
export async function dayWindowOpensAt(
  trx: TenantTransaction,
  campaign: Pick<Campaign, 'channelId'>,
  now: Date,
): Promise<Date> {
  const row = await trx
    .selectFrom('campaignRecipients as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaignId')
    .select(sql<Date | null>`min(r.sent_at)`.as('oldest'))
    .where('c.channelId', '=', campaign.channelId)
    .where('r.sentAt', '>', new Date(now.getTime() - 86_400_000))
    .executeTakeFirstOrThrow();
  const oldest = row.oldest ? new Date(row.oldest) : now;
  return new Date(Math.max(now.getTime() + 1_000, oldest.getTime() + 86_400_000));
}

/**
 * How long `remaining` sends take: at the campaign's share of the throughput, and, under a daily tier,
 * spread over as many rolling days as the tier needs (today's room first). Quiet hours are not counted.
 */
export function etaOf(
  remaining: number,
  limits: CampaignLimits | undefined,
  usedToday: number,
  from: Date,
): { days: number; finishesAt: Date | null } {
  if (remaining <= 0) return { days: 0, finishesAt: null };
  if (!limits || limits.campaignPerSecond <= 0) return { days: 0, finishesAt: null };
  const seconds = (n: number) => (n / limits.campaignPerSecond) * 1000;
  const tier = limits.dailyRecipients;
  if (tier === null) {
    return { days: 1, finishesAt: new Date(from.getTime() + seconds(remaining)) };
  }
  const today = Math.max(0, tier - usedToday);
  if (remaining <= today) return { days: 1, finishesAt: new Date(from.getTime() + seconds(remaining)) };
  const later = remaining - today;
  const extraDays = Math.ceil(later / tier);
  const lastDay = later - (extraDays - 1) * tier;
  return {
    days: extraDays + (today > 0 ? 1 : 0),
    finishesAt: new Date(from.getTime() + extraDays * 86_400_000 + seconds(lastDay)),
  };
}

/** A text with a `{{contact.…}}` placeholder (its length depends on the recipient). */
const PLACEHOLDER = /\{\{\s*contact\./;

/**
 * SMS: the segments each recipient's own text is sent as — its placeholders filled as the sender fills
 * them, since a name can lengthen a text past a segment, or turn it into UCS-2 (70 characters a segment)
 * with one character such as "ë" — summed over the audience, at the channel's estimate. With two variants
 * each recipient counts the longer one (which variant they get is drawn at launch). `audience`: a subquery
 * of the contact ids that would be sent to; read once, only the columns a placeholder can name (a text
 * without placeholders costs the same for everyone, and only the audience is counted).
 */
export async function estimateCost(
  trx: TenantTransaction,
  campaign: Campaign,
  // biome-ignore lint/suspicious/noExplicitAny: any subquery selecting contact ids
  audience: SelectQueryBuilder<any, any, { contactId: string }>,
) {
  if (campaign.channelKind !== 'sms') return undefined;
  const textCost = channelAdapter('sms').bulk.textCost;
  if (!textCost) return undefined;
  const texts = campaign.content.variants.map((variant) => variant.text ?? '');
  const none = { segments: 0, estimateMicros: 0, currency: 'USD' };
  const longest = (costs: ReturnType<typeof textCost>[]) =>
    costs.reduce((most, next) => (next.segments > most.segments ? next : most), none);
  if (!texts.some((text) => PLACEHOLDER.test(text))) {
    const { n } = await trx
      .selectFrom(audience.as('a'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    const each = longest(texts.map(textCost));
    return { segments: each.segments * n, estimateMicros: each.estimateMicros * n, currency: each.currency };
  }
  const contacts = await trx
    .selectFrom(audience.as('a'))
    .innerJoin('contacts', 'contacts.id', 'a.contactId')
    .select([
      'contacts.firstName',
      'contacts.lastName',
      'contacts.displayName',
      'contacts.company',
      'contacts.email',
      'contacts.phoneE164',
      'contacts.customFields',
    ])
    .execute();
  const total = { ...none };
  for (const contact of contacts) {
    const most = longest(texts.map((text) => textCost(fillText(text, contact))));
    total.segments += most.segments;
    total.estimateMicros += most.estimateMicros;
    total.currency = most.currency;
  }
  return total;
}
