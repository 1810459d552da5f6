import { sql } from 'kysely';
import { type RecipientChange, recordRecipientChanges } from '../../campaigns/recipient-events.js';
import { isOptedOut, recordConsent } from '../../contacts/consent/consent.js';
import type { ConsentSource } from '../../contacts/consent/consent.table.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { EmailEvent } from './email-events.table.js';
import {
  countWaitingEmailEvents,
  expireWaitingEmailEvents,
  markApplied,
  waitingEmailEvents,
} from './events.repository.js';

/** What a Lemlist reply tells the lead's owner (wired to notifications by the caller). */
export interface LemlistReplyNotice {
  eventId: string;
  contactId: string;
  ownerUserId: string | null;
  campaignId: string;
  campaignName: string;
}

export interface ApplyHooks {
  onLemlistReply?: (trx: TenantTransaction, notice: LemlistReplyNotice) => Promise<void>;
}

/** The campaign-recipient status each Lemlist activity moves a recipient to (forward only). */
const RECIPIENT_STATUS: Record<string, { status: string; at: string | null; errorCode?: string }> = {
  emailsSent: { status: 'delivered', at: 'delivered_at' },
  emailsOpened: { status: 'read', at: 'read_at' },
  emailsClicked: { status: 'read', at: 'read_at' },
  emailsReplied: { status: 'replied', at: 'replied_at' },
  emailsBounced: { status: 'failed', at: 'failed_at', errorCode: 'email_bounced' },
  emailsFailed: { status: 'failed', at: 'failed_at', errorCode: 'email_failed' },
  emailsSendFailed: { status: 'failed', at: 'failed_at', errorCode: 'email_failed' },
  emailsUnsubscribed: { status: 'opted_out', at: null },
};

const PROGRESS = ['queued', 'sent', 'delivered', 'read', 'replied'];

/** The address as stored on contacts (canonical: lower-case domain) and fully lower-cased. */
function addressCandidates(email: string): string[] {
  const at = email.lastIndexOf('@');
  const stored = `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
  return [...new Set([stored, email.toLowerCase()])];
}

interface ContactMatch {
  id: string;
  ownerUserId: string | null;
}

async function contactByEmail(trx: TenantTransaction, email: string): Promise<ContactMatch | undefined> {
  return trx
    .selectFrom('contacts')
    .select(['id', 'ownerUserId'])
    .where('email', 'in', addressCandidates(email))
    .orderBy('createdAt')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The workspace's Lemlist campaign whose `content.lemlistCampaignId` names the Lemlist campaign, and the
 * recipient among its audience with this address. Both must be this workspace's: row-level security keeps
 * another workspace's campaign out of sight, so a secret leaked to one workspace never touches another's.
 */
async function lemlistRecipient(
  trx: TenantTransaction,
  lemlistCampaignId: string,
  email: string,
): Promise<{ campaignId: string; campaignName: string; contact: ContactMatch } | undefined> {
  const { rows } = await sql<{
    campaignId: string;
    campaignName: string;
    contactId: string;
    ownerUserId: string | null;
  }>`
    select c.id as "campaignId", c.name as "campaignName", ct.id as "contactId", ct.owner_user_id as "ownerUserId"
    from campaigns c
    join campaign_recipients r on r.campaign_id = c.id
    join contacts ct on ct.id = r.contact_id
    where c.channel_kind = 'lemlist' and c.content ->> 'lemlistCampaignId' = ${lemlistCampaignId}
      and ct.email in (${sql.join(addressCandidates(email))})
    order by c.created_at desc
    limit 1`.execute(trx);
  const row = rows[0];
  if (!row) return undefined;
  return {
    campaignId: row.campaignId,
    campaignName: row.campaignName,
    contact: { id: row.contactId, ownerUserId: row.ownerUserId },
  };
}

async function moveRecipient(
  trx: TenantTransaction,
  campaignId: string,
  contactId: string,
  eventType: string,
  occurredAt: Date,
): Promise<void> {
  const move = RECIPIENT_STATUS[eventType];
  if (!move) return;
  // Forward only: queued < sent < delivered < read < replied; a failure only before a reply; an opt-out
  // always (it is the customer's word); cancelled and skipped recipients stay as they are.
  const allowedFrom =
    move.status === 'opted_out'
      ? [...PROGRESS, 'failed']
      : move.status === 'failed'
        ? PROGRESS.slice(0, PROGRESS.indexOf('replied'))
        : PROGRESS.slice(0, PROGRESS.indexOf(move.status));
  if (allowedFrom.length === 0) return;
  const stamp = move.at ? sql`, ${sql.ref(move.at)} = coalesce(${sql.ref(move.at)}, ${occurredAt})` : sql``;
  const error = move.errorCode ? sql`, error_code = ${move.errorCode}` : sql``;
  const { rows } = await sql<RecipientChange>`
    update campaign_recipients set status = ${move.status}, updated_at = now() ${stamp} ${error}
    where campaign_id = ${campaignId} and contact_id = ${contactId}
      and status in (${sql.join(allowedFrom)})
    returning campaign_id as "campaignId", contact_id as "contactId", status`.execute(trx);
  // Only a row that moved: a repeated or late Lemlist activity records no second campaign event.
  await recordRecipientChanges(trx, rows);
}

/** Records an e-mail opt-out unless the contact is opted out already (a repeat adds nothing). */
async function optOutOfEmail(
  trx: TenantTransaction,
  contactId: string,
  source: ConsentSource,
  event: EmailEvent,
): Promise<void> {
  if (await isOptedOut(trx, contactId, 'email_marketing')) return;
  await recordConsent(trx, {
    contactId,
    channel: 'email_marketing',
    state: 'opted_out',
    source,
    shownText: null,
    evidence: { provider: event.provider, eventType: event.eventType, eventId: event.id },
  });
}

/**
 * Applies one stored event if what it names is known: the contact (by address) and, for Lemlist, the
 * workspace's campaign and its recipient. Returns false (the event keeps waiting) otherwise.
 */
export async function applyEmailEvent(
  trx: TenantTransaction,
  event: EmailEvent,
  hooks: ApplyHooks = {},
): Promise<boolean> {
  if (!event.email) return false;
  const optOutSource = event.detail.optOutSource as ConsentSource | undefined;
  if (event.provider === 'postmark') {
    const contact = await contactByEmail(trx, event.email);
    if (!contact) return false;
    if (optOutSource) await optOutOfEmail(trx, contact.id, optOutSource, event);
    await markApplied(trx, event.id, { contactId: contact.id, campaignId: null });
    return true;
  }
  if (!event.providerCampaignId) return false;
  const match = await lemlistRecipient(trx, event.providerCampaignId, event.email);
  if (!match) return false;
  await moveRecipient(trx, match.campaignId, match.contact.id, event.eventType, event.occurredAt);
  if (optOutSource) await optOutOfEmail(trx, match.contact.id, optOutSource, event);
  if (event.eventType === 'emailsReplied' && hooks.onLemlistReply) {
    await hooks.onLemlistReply(trx, {
      eventId: event.id,
      contactId: match.contact.id,
      ownerUserId: match.contact.ownerUserId,
      campaignId: match.campaignId,
      campaignName: match.campaignName,
    });
  }
  await markApplied(trx, event.id, { contactId: match.contact.id, campaignId: match.campaignId });
  return true;
}

/**
 * Applies the workspace's waiting events whose contact or campaign now exists, and expires those that
 * never matched. Returns how many were applied and expired, and how many still wait.
 */
export async function applyWaitingEmailEvents(
  trx: TenantTransaction,
  hooks: ApplyHooks = {},
  batch = 500,
): Promise<{ applied: number; expired: number; waiting: number; recent: number }> {
  let applied = 0;
  for (const event of await waitingEmailEvents(trx, batch)) {
    if (await applyEmailEvent(trx, event, hooks)) applied++;
  }
  const expired = await expireWaitingEmailEvents(trx);
  const waiting = await countWaitingEmailEvents(trx);
  const recent = waiting > 0 ? await countWaitingEmailEvents(trx, RECENT_WINDOW_MS) : 0;
  return { applied, expired, waiting, recent };
}

/** Events younger than this are looked at again soon (their lead is likely being pushed right now). */
export const RECENT_WINDOW_MS = 2 * 60_000;
