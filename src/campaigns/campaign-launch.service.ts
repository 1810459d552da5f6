import { sql } from 'kysely';
import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { calendarFor } from '../business-hours/business-hours.service.js';
import { fromLocal } from '../business-hours/zoned-time.js';
import { reserveCampaignRecipients } from '../plans/plans.service.js';
import type { Db } from '../platform/db/database.js';
import { orderedId, orderedIdPrefix } from '../platform/db/ordered-ids.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { loadSegment } from '../segments/audience.js';
import { audiencePreview, eligibleContactIds } from '../segments/eligibility.js';
import { campaignChannelLimits, estimateCost, etaOf, sentInLastDay } from './campaign-limits.js';
import { campaignSender } from './campaign-sender.js';
import { recipientCounts } from './campaigns.repository.js';
import { loadCampaign, publishCampaignProgress } from './campaigns.service.js';
import type { Campaign } from './campaigns.table.js';
import { enqueueDispatch } from './dispatch-task-ref.js';

type AudienceChannel = 'whatsapp' | 'sms' | 'email';
const AUDIENCE_CHANNEL: Record<Campaign['channelKind'], AudienceChannel> = {
  whatsapp: 'whatsapp',
  sms: 'sms',
  lemlist: 'email',
};

/**
 * Contacts already queued in another live campaign: they are left out of a new audience until that
 * campaign is done with them (issue 16: "already in a running campaign").
 */
function contactsInRunningCampaigns(trx: TenantTransaction, exceptCampaignId: string) {
  return trx
    .selectFrom('campaignRecipients as busy')
    .innerJoin('campaigns as other', 'other.id', 'busy.campaignId')
    .select('busy.contactId as contactId')
    .where('busy.status', '=', 'queued')
    .where('other.status', 'in', ['scheduled', 'running', 'paused'])
    .where('other.id', '<>', exceptCampaignId);
}

/** The audience's contact (`audience.contact_id`) is queued in another live campaign: an anti-join. */
function queuedElsewhere(trx: TenantTransaction, exceptCampaignId: string) {
  return contactsInRunningCampaigns(trx, exceptCampaignId).whereRef(
    'busy.contactId',
    '=',
    sql.ref('audience.contact_id'),
  );
}

async function readyToLaunch(trx: TenantTransaction, campaign: Campaign) {
  if (campaign.segmentId === null)
    throw new AppError('validation_failed', 'Choose the campaign’s segment first');
  if (campaign.channelKind === 'lemlist') {
    if (!campaign.content.lemlistCampaignId)
      throw new AppError('validation_failed', 'Name the Lemlist campaign to push contacts into');
  } else if (campaign.content.variants.length === 0) {
    throw new AppError('validation_failed', 'Write the message (a template or a text) first');
  }
  if (!campaignSender(campaign.channelKind)) {
    throw new AppError('validation_failed', `Campaigns over ${campaign.channelKind} are not available`);
  }
  const limits = await campaignChannelLimits(trx, campaign);
  if (!limits) throw new AppError('validation_failed', 'The campaign’s channel is missing or disabled');
  return { segment: await loadSegment(trx, campaign.segmentId), limits };
}

export async function previewCampaign(db: Db, tenantId: string, id: string) {
  return withTenant(db, tenantId, async (trx) => {
    const campaign = await loadCampaign(trx, id);
    if (campaign.segmentId === null)
      throw new AppError('validation_failed', 'Choose the campaign’s segment first');
    const segment = await loadSegment(trx, campaign.segmentId);
    const busy = contactsInRunningCampaigns(trx, campaign.id);
    const channel = AUDIENCE_CHANNEL[campaign.channelKind];
    const [counts, busyCount] = await Promise.all([
      audiencePreview(trx, segment.filter, channel, { excludeContactIds: busy }),
      trx
        .selectFrom(eligibleContactIds(trx, segment.filter, channel).as('e'))
        .select(sql<number>`count(*)::int`.as('n'))
        .where('e.contactId', 'in', contactsInRunningCampaigns(trx, campaign.id))
        .executeTakeFirstOrThrow(),
    ]);
    const limits = await campaignChannelLimits(trx, campaign);
    const now = new Date();
    const used = limits ? await sentInLastDay(trx, campaign, now) : 0;
    const eta = etaOf(counts.eligible, limits, used, now);
    const cost = await estimateCost(
      trx,
      campaign,
      trx
        .selectFrom(eligibleContactIds(trx, segment.filter, channel).as('e'))
        .select('e.contactId')
        .where('e.contactId', 'not in', contactsInRunningCampaigns(trx, campaign.id)),
    );
    return {
      total: counts.total,
      eligible: counts.eligible,
      excluded: { ...counts.excluded, in_running_campaign: busyCount.n } as Record<string, number>,
      eta: { days: eta.days, finishesAt: eta.finishesAt?.toISOString() ?? null },
      ...(cost ? { cost } : {}),
    };
  });
}

/** A local date-time without offset is the workspace's wall-clock time (its business-hours zone, else UTC). */
export async function scheduledInstant(trx: TenantTransaction, value: string): Promise<Date> {
  const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d{1,3})?)?$/.exec(value);
  if (!local) return new Date(value);
  const calendar = await calendarFor(trx, null);
  const [, year, month, day, hour, minute] = local.map(Number) as number[];
  return fromLocal(
    { year: year ?? 0, month: month ?? 0, day: day ?? 0, hour: hour ?? 0, minute: minute ?? 0 },
    calendar?.timeZone ?? 'UTC',
  );
}

/**
 * Freezes the audience (one INSERT ... SELECT of the eligible contacts not queued in another live
 * campaign; with two variants, a random half each), takes the recipients from the plan's monthly
 * allowance, and starts the dispatcher now or at the scheduled time.
 */
export async function launchCampaign(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  options: { scheduledAt?: string | undefined },
): Promise<Campaign> {
  return withTenant(db, tenantId, async (trx) => {
    const campaign = await loadCampaign(trx, id, true);
    if (campaign.status !== 'draft') {
      throw new AppError(
        'conflict',
        `Only a draft campaign can be launched (this one is ${campaign.status})`,
      );
    }
    const { segment } = await readyToLaunch(trx, campaign);
    const now = new Date();
    const startAt = options.scheduledAt ? await scheduledInstant(trx, options.scheduledAt) : now;
    if (Number.isNaN(startAt.getTime()) || startAt.getTime() > now.getTime() + 366 * 86_400_000) {
      throw new AppError('validation_failed', 'scheduledAt must be a date within a year');
    }
    const scheduled = startAt.getTime() > now.getTime() + 1_000;
    const twoVariants = campaign.content.variants.length === 2;
    const audience = eligibleContactIds(trx, segment.filter, AUDIENCE_CHANNEL[campaign.channelKind]);
    // Exactly half and half: the audience in a random order, alternately A and B.
    const variant = twoVariants
      ? sql<string>`case when row_number() over (order by random()) % 2 = 0 then 'B' else 'A' end`
      : sql<string>`'A'`;
    const chosen = trx
      .selectFrom(audience.as('audience'))
      .select(['audience.contactId', variant.as('variant')])
      .where(({ not, exists }) => not(exists(queuedElsewhere(trx, campaign.id))));
    // Rows written in contact order with rising ids: every index of the table is appended to in order
    // (ADR 0051), which is most of the cost of freezing a large audience.
    const ids = orderedIdPrefix(now);
    const inserted = await trx
      .insertInto('campaignRecipients')
      .columns(['id', 'campaignId', 'contactId', 'variant', 'notBefore'])
      .expression(
        trx
          .selectFrom(chosen.as('chosen'))
          .select([
            orderedId(ids, sql`row_number() over (order by chosen.contact_id)`).as('id'),
            sql<string>`${campaign.id}::uuid`.as('campaignId'),
            'chosen.contactId',
            'chosen.variant',
            sql<Date>`${startAt}::timestamptz`.as('notBefore'),
          ])
          .orderBy('chosen.contactId'),
      )
      .onConflict((oc) => oc.columns(['campaignId', 'contactId']).doNothing())
      .executeTakeFirst();
    const count = Number(inserted.numInsertedOrUpdatedRows ?? 0);
    if (count === 0) throw new AppError('conflict', 'No eligible recipient in this audience');
    await reserveCampaignRecipients(trx, count, now);
    const launched = await trx
      .updateTable('campaigns')
      .set({
        status: scheduled ? 'scheduled' : 'running',
        scheduledAt: scheduled ? startAt : null,
        launchedAt: scheduled ? null : now,
        pausedReason: null,
        updatedAt: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueueDispatch(trx, campaign.id, ctxRequestId(actor), scheduled ? startAt : undefined);
    await auditChange(trx, tenantId, actor, 'campaign.launched', {
      campaignId: id,
      name: campaign.name,
      recipients: count,
      scheduledAt: scheduled ? startAt.toISOString() : null,
    });
    await publishCampaignProgress(trx, id);
    return launched;
  });
}

function ctxRequestId(actor: Actor): string {
  return actor.context.requestId;
}

/** Queues the failed recipients again; the ledger's key per recipient makes a sent one never go twice. */
export async function retryFailed(db: Db, tenantId: string, actor: Actor, id: string) {
  return withTenant(db, tenantId, async (trx) => {
    const campaign = await loadCampaign(trx, id, true);
    if (!['running', 'paused', 'completed'].includes(campaign.status)) {
      throw new AppError('conflict', `A ${campaign.status} campaign has no failed recipients to retry`);
    }
    const now = new Date();
    const requeued = await trx
      .updateTable('campaignRecipients')
      .set({ status: 'queued', errorCode: null, failedAt: null, notBefore: now, updatedAt: now })
      .where('campaignId', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    const n = Number(requeued.numUpdatedRows);
    if (n > 0 && campaign.status === 'completed') {
      await trx
        .updateTable('campaigns')
        .set({ status: 'running', completedAt: null, updatedAt: now })
        .where('id', '=', id)
        .execute();
    }
    if (n > 0 && campaign.status !== 'paused') {
      await enqueueDispatch(trx, id, actor.context.requestId);
    }
    await auditChange(trx, tenantId, actor, 'campaign.retried', { campaignId: id, requeued: n });
    await publishCampaignProgress(trx, id);
    return { requeued: n };
  });
}

export async function campaignProgress(db: Db, tenantId: string, id: string) {
  return withTenant(db, tenantId, async (trx) => {
    const campaign = await loadCampaign(trx, id);
    const counts = await recipientCounts(trx, id);
    const now = new Date();
    // The rate over the last minute, from the recipients' own send times.
    const recent = await trx
      .selectFrom('campaignRecipients')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('campaignId', '=', id)
      .where('sentAt', '>', new Date(now.getTime() - 60_000))
      .executeTakeFirstOrThrow();
    const limits = await campaignChannelLimits(trx, campaign);
    const used = limits ? await sentInLastDay(trx, campaign, now) : 0;
    const live = campaign.status === 'running' || campaign.status === 'scheduled';
    const eta = etaOf(
      counts.queued,
      limits,
      used,
      live && campaign.scheduledAt ? maxDate(campaign.scheduledAt, now) : now,
    );
    return {
      status: campaign.status,
      pausedReason: campaign.pausedReason,
      counts,
      sentPerSecond: Math.round((recent.n / 60) * 100) / 100,
      eta: { days: eta.days, finishesAt: eta.finishesAt?.toISOString() ?? null },
    };
  });
}

const maxDate = (a: Date, b: Date) => (a > b ? a : b);
