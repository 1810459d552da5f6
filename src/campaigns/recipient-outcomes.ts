import { sql, type Updateable } from 'kysely';
import { channelAdapter } from '../channels/registry.js';
import { recordConsent } from '../contacts/consent/consent.js';
import {
  type CustomerOptOut,
  type CustomerReply,
  type OutboundOutcome,
  onCustomerOptOut,
  onCustomerReply,
  onOutboundOutcomes,
} from '../conversations/message-outcomes.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { registerCampaignSender } from './campaign-sender.js';
import { publishCampaignProgress } from './campaigns.service.js';
import type { CampaignRecipientsTable, RecipientStatus } from './campaigns.table.js';
import { pauseWithReason } from './dispatch.task.js';
import { smsCampaignSender, whatsappCampaignSender } from './ledger-sender.js';
import { recordRecipientChanges } from './recipient-events.js';

/** Which recipient statuses a message status may move a recipient from (forward only). */
const MOVES: Partial<Record<OutboundOutcome['status'], { to: RecipientStatus; from: RecipientStatus[] }>> = {
  delivered: { to: 'delivered', from: ['sent'] },
  read: { to: 'read', from: ['sent', 'delivered'] },
  played: { to: 'read', from: ['sent', 'delivered'] },
  failed: { to: 'failed', from: ['sent', 'delivered'] },
};

/** A reply counts for the campaign that reached the contact on that conversation within this time. */
const REPLY_WINDOW_DAYS = 30;

const lastProgress = new Map<string, number>();

/** `campaign.progress` for these campaigns, at most twice a second each (per process). */
async function progress(trx: TenantTransaction, campaignIds: Iterable<string>) {
  const now = Date.now();
  for (const id of new Set(campaignIds)) {
    if (now - (lastProgress.get(id) ?? 0) < 500) continue;
    lastProgress.set(id, now);
    if (lastProgress.size > 10_000) lastProgress.clear();
    await publishCampaignProgress(trx, id);
  }
}

/**
 * Delivery statuses move recipients forward. A failure is judged by the channel's code: a marketing
 * opt-out (131050) is recorded in the consent ledger and the recipient is `opted_out`; a template error
 * pauses the campaign with the reason; anything else fails the recipient with the code.
 */
export async function applyOutcomes(trx: TenantTransaction, outcomes: readonly OutboundOutcome[]) {
  const touched: string[] = [];
  for (const outcome of outcomes) {
    const move = MOVES[outcome.status];
    if (!move) continue;
    const recipient = await trx
      .selectFrom('campaignRecipients as r')
      .innerJoin('campaigns as c', 'c.id', 'r.campaignId')
      .select(['r.id', 'r.campaignId', 'r.contactId', 'r.status', 'c.channelKind'])
      .where('r.messageId', '=', outcome.messageId)
      .executeTakeFirst();
    if (!recipient || !move.from.includes(recipient.status)) continue;
    const now = new Date();
    // Conditional on the statuses it moves from: a repeated status, or one applied concurrently, changes
    // no row the second time, and so records no second campaign event.
    const moveFrom = (set: Updateable<CampaignRecipientsTable>) =>
      trx
        .updateTable('campaignRecipients')
        .set(set)
        .where('id', '=', recipient.id)
        .where('status', 'in', move.from)
        .returning(['campaignId', 'contactId', 'status'])
        .execute();
    if (outcome.status !== 'failed') {
      const changed = await moveFrom({
        status: move.to,
        ...(move.to === 'delivered' ? { deliveredAt: now } : { readAt: now }),
        updatedAt: now,
      });
      await recordRecipientChanges(trx, changed);
      touched.push(recipient.campaignId);
      continue;
    }
    const kind = recipient.channelKind === 'lemlist' ? undefined : recipient.channelKind;
    const action = kind ? channelAdapter(kind).bulk.failureAction(outcome.errorCode) : 'recipient_failed';
    const code = outcome.errorCode === null ? 'failed' : String(outcome.errorCode);
    const changed = await moveFrom({
      status: action === 'opted_out' ? 'opted_out' : 'failed',
      errorCode: code,
      failedAt: now,
      updatedAt: now,
    });
    if (changed.length === 0) continue;
    await recordRecipientChanges(trx, changed);
    if (action === 'opted_out' && kind) {
      await recordConsent(trx, {
        contactId: recipient.contactId,
        channel: kind,
        state: 'opted_out',
        source: 'campaign',
        evidence: { providerCode: outcome.errorCode, campaignId: recipient.campaignId },
      });
    }
    if (action === 'pause_campaign') {
      await pauseWithReason(
        trx,
        recipient.campaignId,
        `The provider refused the message (code ${code}): check the template, then resume`,
      );
    }
    touched.push(recipient.campaignId);
  }
  await progress(trx, touched);
}

/** Recipients a campaign reached on this conversation recently enough for the customer's message to count. */
function reachedOn(trx: TenantTransaction, conversationId: string, at: Date, from: RecipientStatus[]) {
  return (
    trx
      .updateTable('campaignRecipients')
      .where('conversationId', '=', conversationId)
      .where('status', 'in', from)
      .where('sentAt', '>', sql<Date>`now() - make_interval(days => ${REPLY_WINDOW_DAYS})`)
      // Meta's times are whole seconds: a reply within the second of the send still counts.
      .where('sentAt', '<', new Date(at.getTime() + 1_000))
  );
}

/** A customer's message on a conversation a campaign reached: that recipient replied. */
export async function applyReply(trx: TenantTransaction, reply: CustomerReply) {
  const changed = await reachedOn(trx, reply.conversationId, reply.sentAt, ['sent', 'delivered', 'read'])
    .set({ status: 'replied', repliedAt: reply.sentAt, updatedAt: new Date() })
    .returning(['campaignId', 'contactId', 'status'])
    .execute();
  await recordRecipientChanges(trx, changed);
  await progress(
    trx,
    changed.map((row) => row.campaignId),
  );
}

/**
 * The customer answered a campaign's message with an opt-out keyword (STOP): the opt-out is in the consent
 * ledger already; the recipient is `opted_out` (after `replied`, which the same message recorded first).
 */
export async function applyOptOut(trx: TenantTransaction, optOut: CustomerOptOut) {
  const now = new Date();
  const changed = await reachedOn(trx, optOut.conversationId, optOut.sentAt, [
    'sent',
    'delivered',
    'read',
    'replied',
  ])
    .set({ status: 'opted_out', updatedAt: now })
    .returning(['campaignId', 'contactId', 'status'])
    .execute();
  await recordRecipientChanges(trx, changed);
  await progress(
    trx,
    changed.map((row) => row.campaignId),
  );
}

let installed = false;

/** Wires campaigns into the process: the ledger senders and the message outcome listeners. Idempotent. */
export function installCampaigns(): void {
  if (installed) return;
  installed = true;
  registerCampaignSender(whatsappCampaignSender);
  registerCampaignSender(smsCampaignSender);
  onOutboundOutcomes(applyOutcomes);
  onCustomerReply(applyReply);
  onCustomerOptOut(applyOptOut);
}
