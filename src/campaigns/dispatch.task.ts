import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Updateable } from 'kysely';
import { workspaceCanAutomate } from '../plans/plans.service.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { defineTask, type TaskContext } from '../platform/jobs/task.js';
import { recipientEligibility } from '../segments/eligibility.js';
import {
  type CampaignLimits,
  campaignChannelLimits,
  dayWindowOpensAt,
  sentInLastDay,
} from './campaign-limits.js';
import { campaignSender } from './campaign-sender.js';
import { findCampaign } from './campaigns.repository.js';
import { publishCampaignProgress } from './campaigns.service.js';
import type { Campaign, CampaignRecipientsTable } from './campaigns.table.js';
import { campaignDispatchTask, enqueueDispatch } from './dispatch-task-ref.js';
import { nextSendableAt } from './quiet-hours.js';
import { recordRecipientChanges } from './recipient-events.js';

/** A dispatcher run lasts this long, then queues its successor (a worker is never held for hours). */
const RUN_MS = 20_000;
/** How often it reads the campaign's status (pause and cancel take effect within this) and sends a batch. */
const TICK_MS = 100;
/**
 * Messages handed to the channel but not yet sent are at most this many seconds of the campaign's rate:
 * after a pause, what is already on its way leaves within that time.
 */
const IN_FLIGHT_SECONDS = 0.8;
/** A campaign whose last messages are still waiting at the channel completes after at most this. */
const IN_FLIGHT_GRACE_MS = 5 * 60_000;
/** Recipients handed to the channel at the same time, each in its own transaction. */
const PARALLEL_RECIPIENTS = 4;
/** A retryable sender failure (Lemlist busy) is tried this many times, backing off, before it fails. */
const MAX_ATTEMPTS = 5;
/** Live progress is published at most this often per campaign. */
const PROGRESS_EVERY_MS = 500;

const AUDIENCE_CHANNEL = { whatsapp: 'whatsapp', sms: 'sms', lemlist: 'email' } as const;

type Plan =
  | { kind: 'stop' }
  | { kind: 'later'; at: Date }
  | { kind: 'go'; campaign: Campaign; limits: CampaignLimits };

export function createCampaignDispatchTask() {
  return defineTask({
    ...campaignDispatchTask,
    handle: ({ campaignId }, ctx) => dispatchCampaign(campaignId, ctx),
  });
}

/** Pauses a live campaign with a reason (the gate closed, the channel went, a template error). */
export async function pauseWithReason(trx: TenantTransaction, campaignId: string, reason: string) {
  const paused = await trx
    .updateTable('campaigns')
    .set({ status: 'paused', pausedReason: reason.slice(0, 500), updatedAt: new Date() })
    .where('id', '=', campaignId)
    .where('status', 'in', ['scheduled', 'running'])
    .returning('id')
    .executeTakeFirst();
  if (paused) await publishCampaignProgress(trx, campaignId);
}

/** What this tick may do: stop (not live), come back later (scheduled, daily tier spent), or send. */
async function planTick(trx: TenantTransaction, campaignId: string, now: Date): Promise<Plan> {
  const campaign = await findCampaign(trx, campaignId, { forUpdate: true });
  if (!campaign) return { kind: 'stop' };
  if (campaign.status === 'scheduled') {
    if (campaign.scheduledAt && campaign.scheduledAt > now)
      return { kind: 'later', at: campaign.scheduledAt };
    await trx
      .updateTable('campaigns')
      .set({ status: 'running', launchedAt: now, updatedAt: now })
      .where('id', '=', campaignId)
      .execute();
    campaign.status = 'running';
    await publishCampaignProgress(trx, campaignId);
  }
  if (campaign.status !== 'running') return { kind: 'stop' };
  const gate = await workspaceCanAutomate(trx, now);
  if (!gate.allowed) {
    await pauseWithReason(
      trx,
      campaignId,
      `Automation is paused for the workspace: ${gate.reasons.join(', ')}`,
    );
    return { kind: 'stop' };
  }
  const limits = await campaignChannelLimits(trx, campaign);
  if (!limits) {
    await pauseWithReason(trx, campaignId, 'The campaign’s channel is missing or disabled');
    return { kind: 'stop' };
  }
  return { kind: 'go', campaign, limits };
}

/**
 * One dispatcher run: every tick it re-reads the campaign (status, gate, channel), then hands the due
 * queued recipients to the channel's sender at the campaign's share of the throughput, keeping at most
 * IN_FLIGHT_SECONDS of sends waiting at the channel. The channel's own throughput cap is what paces the
 * sends themselves; this only keeps the backlog short, so pause and cancel act within a second.
 */
export async function dispatchCampaign(campaignId: string, ctx: TaskContext<'tenant'>): Promise<void> {
  const started = Date.now();
  let credit = 0;
  let lastTick = Date.now();
  let lastProgress = 0;
  let changed = false;
  let inFlight: string[] = [];
  let dayRoom: number | null | undefined;
  const again = (at?: Date) => ctx.withTenant((trx) => enqueueDispatch(trx, campaignId, ctx.requestId, at));
  for (;;) {
    const now = new Date();
    const plan = await ctx.withTenant((trx) => planTick(trx, campaignId, now));
    if (plan.kind === 'stop') return;
    if (plan.kind === 'later') return void (await again(plan.at));
    const { campaign, limits } = plan;
    const rate = limits.campaignPerSecond;

    if (dayRoom === undefined) {
      dayRoom =
        limits.dailyRecipients === null
          ? null
          : limits.dailyRecipients - (await ctx.withTenant((trx) => sentInLastDay(trx, campaign, now)));
    }
    if (dayRoom !== null && dayRoom <= 0) {
      const opens = await ctx.withTenant((trx) => dayWindowOpensAt(trx, campaign, now));
      return void (await again(opens));
    }

    const elapsed = (now.getTime() - lastTick) / 1000;
    lastTick = now.getTime();
    const inFlightCap = Math.max(1, Math.ceil(rate * IN_FLIGHT_SECONDS));
    // Credit beyond what may wait at the channel is of no use; a slow tick keeps what it earned up to that.
    credit = Math.min(credit + elapsed * rate, inFlightCap);
    if (inFlight.length > 0) inFlight = await ctx.withTenant((trx) => stillPending(trx, inFlight));
    const budget = Math.floor(
      Math.min(credit, inFlightCap - inFlight.length, dayRoom ?? Number.POSITIVE_INFINITY),
    );

    if (budget >= 1) {
      const due = await ctx.withTenant((trx) => dueRecipients(trx, campaignId, budget, now));
      if (due.length === 0) {
        const next = await ctx.withTenant((trx) => finishOrNext(trx, campaign));
        if (next === 'done') return;
        if (next.getTime() - Date.now() > 2_000) return void (await again(next));
      }
      // A few recipients at a time, each in its own transaction: one after the other, a recipient's
      // handful of statements would cap a campaign below the channel's rate on a busy host.
      for (let i = 0; i < due.length; i += PARALLEL_RECIPIENTS) {
        const results = await Promise.all(
          due
            .slice(i, i + PARALLEL_RECIPIENTS)
            .map((recipientId) =>
              ctx.withTenant((trx) => sendRecipient(trx, campaign, recipientId, new Date())),
            ),
        );
        for (const result of results) {
          if (!result.sent) continue;
          credit--;
          if (dayRoom !== null) dayRoom--;
          if (result.messageId) inFlight.push(result.messageId);
        }
        changed = true;
        const pause = results.find((result) => result.pause)?.pause;
        if (pause) {
          await ctx.withTenant((trx) => pauseWithReason(trx, campaignId, pause));
          break;
        }
      }
    }
    if (changed && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      await ctx.withTenant((trx) => publishCampaignProgress(trx, campaignId));
      lastProgress = Date.now();
      changed = false;
    }
    if (Date.now() - started > RUN_MS) return void (await again());
    await sleep(Math.max(0, TICK_MS - (Date.now() - now.getTime())), undefined, { signal: ctx.signal });
  }
}

async function stillPending(trx: TenantTransaction, messageIds: string[]): Promise<string[]> {
  const rows = await trx
    .selectFrom('messages')
    .select('id')
    .where('id', 'in', messageIds)
    .where('status', '=', 'pending')
    .execute();
  return rows.map((row) => row.id);
}

async function dueRecipients(trx: TenantTransaction, campaignId: string, limit: number, now: Date) {
  const rows = await trx
    .selectFrom('campaignRecipients')
    .select('id')
    .where('campaignId', '=', campaignId)
    .where('status', '=', 'queued')
    .where('notBefore', '<=', now)
    .orderBy('notBefore')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * No recipient is due: the campaign is complete when none is queued and none of the messages it handed
 * to the channel in the last few minutes is still waiting there, else the time to look again. Waiting
 * for those lets a template error on the last sends still pause the campaign with its reason; the bound
 * keeps a message stuck at a channel that is down from holding the campaign open.
 */
async function finishOrNext(trx: TenantTransaction, campaign: Campaign): Promise<'done' | Date> {
  const next = await trx
    .selectFrom('campaignRecipients')
    .select(sql<Date | null>`min(not_before)`.as('at'))
    .where('campaignId', '=', campaign.id)
    .where('status', '=', 'queued')
    .executeTakeFirstOrThrow();
  if (next.at) return new Date(next.at);
  const now = new Date();
  const waitingAtChannel = await trx
    .selectFrom('campaignRecipients as r')
    .innerJoin('messages as m', 'm.id', 'r.messageId')
    .select('r.id')
    .where('r.campaignId', '=', campaign.id)
    .where('r.sentAt', '>', new Date(now.getTime() - IN_FLIGHT_GRACE_MS))
    .where('r.status', '=', 'sent')
    .where('m.status', '=', 'pending')
    .limit(1)
    .executeTakeFirst();
  if (waitingAtChannel) return new Date(now.getTime() + TICK_MS);
  await trx
    .updateTable('campaigns')
    .set({ status: 'completed', completedAt: now, updatedAt: now })
    .where('id', '=', campaign.id)
    .where('status', '=', 'running')
    .execute();
  await publishCampaignProgress(trx, campaign.id);
  return 'done';
}

interface SendResult {
  sent: boolean;
  messageId?: string | undefined;
  pause?: string;
}

/**
 * One recipient, in its own transaction with its row locked: quiet hours (held back to their end),
 * eligibility again (consent, opt-out, suppression, a valid number), then the channel's sender. The
 * status check under the lock and the ledger's key per recipient make a second pass send nothing.
 */
async function sendRecipient(
  trx: TenantTransaction,
  campaign: Campaign,
  recipientId: string,
  now: Date,
): Promise<SendResult> {
  const recipient = await trx
    .selectFrom('campaignRecipients')
    .selectAll()
    .where('id', '=', recipientId)
    .where('status', '=', 'queued')
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (!recipient) return { sent: false };
  const contact = await trx
    .selectFrom('contacts')
    .selectAll()
    .where('id', '=', recipient.contactId)
    .executeTakeFirst();
  const update = (set: Updateable<CampaignRecipientsTable>) =>
    trx.updateTable('campaignRecipients').set(set).where('id', '=', recipientId).execute();
  if (!contact) {
    await update({ status: 'skipped', skipReason: 'contact_deleted', updatedAt: now });
    return { sent: false };
  }
  if (campaign.channelKind !== 'lemlist') {
    const quiet =
      campaign.quietHoursStart === null || campaign.quietHoursEnd === null
        ? null
        : { start: campaign.quietHoursStart, end: campaign.quietHoursEnd };
    const sendable = nextSendableAt(contact.phoneE164, quiet, now);
    if (sendable > now) {
      await update({ notBefore: sendable, updatedAt: now });
      return { sent: false };
    }
  }
  const eligibility = await recipientEligibility(trx, contact.id, AUDIENCE_CHANNEL[campaign.channelKind]);
  if (!eligibility.eligible) {
    await update({ status: 'skipped', skipReason: eligibility.reason, updatedAt: now });
    return { sent: false };
  }
  const sender = campaignSender(campaign.channelKind);
  if (!sender) return { sent: false, pause: `No sender for ${campaign.channelKind} campaigns` };
  const outcome = await sender.send({ trx, campaign, recipient, contact });
  if (outcome.outcome === 'sent') {
    await update({
      status: 'sent',
      messageId: outcome.messageId ?? null,
      conversationId: outcome.conversationId ?? null,
      sentAt: now,
      attempts: recipient.attempts + 1,
      updatedAt: now,
    });
    // The row is locked and was queued: this is its one move to sent.
    await recordRecipientChanges(trx, [{ ...recipient, status: 'sent' }]);
    return { sent: true, messageId: outcome.messageId };
  }
  if (outcome.outcome === 'skipped') {
    await update({ status: 'skipped', skipReason: outcome.reason.slice(0, 100), updatedAt: now });
    return { sent: false };
  }
  const attempts = recipient.attempts + 1;
  if (outcome.retryable && attempts < MAX_ATTEMPTS) {
    const backoff = 2 ** attempts * 5_000;
    await update({ attempts, notBefore: new Date(now.getTime() + backoff), updatedAt: now });
    return { sent: false };
  }
  await update({
    status: 'failed',
    errorCode: outcome.errorCode.slice(0, 100),
    failedAt: now,
    attempts,
    updatedAt: now,
  });
  await recordRecipientChanges(trx, [{ ...recipient, status: 'failed' }]);
  return { sent: false };
}
