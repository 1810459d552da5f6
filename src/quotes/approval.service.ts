import type { Actor } from '../api-keys/api-keys.service.js';
import { latestMessagesOf } from '../conversations/messages.repository.js';
import { notify } from '../notifications/notify.js';
import { approvers, without } from '../notifications/recipients.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { scheduleApprovalReminder } from './approval-reminder.task.js';
import type { QuoteDiff } from './quote-diff.js';
import { readQuoteSettings } from './quote-settings.js';
import { transition } from './quote-transitions.js';
import { findQuote, findVersion, listPending, type PendingRow } from './quotes.repository.js';
import { detail, type QuoteDetail, versionDiff } from './quotes.service.js';

const EXCERPT_MESSAGES = 6;

async function currentVersionOf(trx: TenantTransaction, quoteId: string, version: number, lock: boolean) {
  const quote = await findQuote(trx, quoteId, lock);
  if (!quote) throw new AppError('not_found', 'Quote not found');
  if (quote.currentVersion !== version) {
    throw new AppError('conflict', `Version ${version} is not the current version (${quote.currentVersion})`);
  }
  const current = await findVersion(trx, quoteId, version);
  if (!current) throw new AppError('not_found', 'Quote not found');
  return { quote, current };
}

/**
 * Sends a draft to approval. Under the `auto_below` policy a quote whose total is below the threshold and
 * whose prices all come from the catalog is approved at once by the system (audited as such).
 */
export async function submitForApproval(
  db: Db,
  tenantId: string,
  actor: Actor,
  quoteId: string,
  version: number,
): Promise<QuoteDetail> {
  return withTenant(db, tenantId, async (trx) => {
    const { quote, current } = await currentVersionOf(trx, quoteId, version, true);
    const pending = await transition(trx, tenantId, quote, current, 'pending_approval', {
      kind: 'member',
      actor,
    });
    const settings = await readQuoteSettings(trx);
    const below =
      settings.approvalMode === 'auto_below' &&
      settings.autoApproveBelowMinor !== null &&
      BigInt(current.totalMinor) < BigInt(settings.autoApproveBelowMinor);
    if (!below || current.manualPriceChange) {
      await scheduleApprovalReminder(trx, pending.id, 1, actor.context.requestId);
      await notify(trx, {
        kind: 'quote_awaiting_approval',
        userIds: without(await approvers(trx), actor.userId),
        subject: { type: 'quote', id: quote.id },
        title: `Quote ${quote.number} awaits approval`,
        dedupeKey: `quote_awaiting_approval:${pending.id}`,
      });
    } else {
      await transition(
        trx,
        tenantId,
        quote,
        pending,
        'approved',
        { kind: 'system', context: actor.context },
        {
          reason: 'automatic approval: total below the workspace threshold, catalog prices only',
          approvedByUserId: null,
        },
      );
    }
    return detail(trx, quoteId);
  });
}

/** The version an approver acts on, locked; 409 when it is no longer awaiting approval. */
async function versionAwaitingApproval(trx: TenantTransaction, quoteId: string, version: number) {
  const found = await currentVersionOf(trx, quoteId, version, true);
  if (found.current.status !== 'pending_approval') {
    throw new AppError(
      'conflict',
      `This quote is ${found.current.status.replace('_', ' ')}, not awaiting approval`,
    );
  }
  return found;
}

/**
 * Approves the version the approver saw. The quote row is locked first, and the status change is
 * conditional: of two approvers at once, one wins and the other gets 409.
 */
export async function approveQuote(
  db: Db,
  tenantId: string,
  actor: Actor,
  quoteId: string,
  version: number,
): Promise<QuoteDetail> {
  return withTenant(db, tenantId, async (trx) => {
    const { quote, current } = await versionAwaitingApproval(trx, quoteId, version);
    const settings = await readQuoteSettings(trx);
    if (settings.drafterCannotApprove && actor.userId !== null && current.draftedByUserId === actor.userId) {
      throw new AppError('forbidden', 'The person who drafted this version cannot approve it');
    }
    await transition(
      trx,
      tenantId,
      quote,
      current,
      'approved',
      { kind: 'member', actor },
      {
        approvedByUserId: actor.userId,
      },
    );
    return detail(trx, quoteId);
  });
}

/** Sends the version back to draft with the approver's reason (audited). */
export async function rejectQuote(
  db: Db,
  tenantId: string,
  actor: Actor,
  quoteId: string,
  version: number,
  reason: string,
): Promise<QuoteDetail> {
  return withTenant(db, tenantId, async (trx) => {
    const { quote, current } = await versionAwaitingApproval(trx, quoteId, version);
    await transition(trx, tenantId, quote, current, 'draft', { kind: 'member', actor }, { reason });
    return detail(trx, quoteId);
  });
}

export interface QueueEntry extends PendingRow {
  contactName: string | null;
  /** The conversation's last few messages (text only), oldest first. */
  excerpt: { direction: string; text: string | null; sentAt: Date }[];
  diff: QuoteDiff | null;
}

/**
 * How many quote versions wait for approval, counted up to `cap + 1` (the badge says "100+" past that):
 * the live channel's greeting carries it, so the navigation's badge needs no request of its own.
 */
export async function approvalsWaitingCount(db: Db, tenantId: string, cap: number): Promise<number> {
  return withTenant(db, tenantId, async (trx) => {
    const rows = await trx
      .selectFrom('quoteVersions')
      .select('id')
      .where('status', '=', 'pending_approval')
      .limit(cap + 1)
      .execute();
    return rows.length;
  });
}

export async function approvalQueue(
  db: Db,
  tenantId: string,
  options: { after?: PageCursor | undefined; limit: number; details: boolean },
): Promise<Page<QueueEntry>> {
  return withTenant(db, tenantId, async (trx) => {
    const page = pageOf(await listPending(trx, options), options.limit, (row) => ({
      at: row.statusChangedAt,
      id: row.versionId,
    }));
    if (!options.details) {
      return {
        items: page.items.map((row) => ({ ...row, contactName: null, excerpt: [], diff: null })),
        next: page.next,
      };
    }
    // One query each for the page's contacts and conversation excerpts; diffs only where a version preceded.
    const contactIds = [...new Set(page.items.flatMap((row) => (row.contactId ? [row.contactId] : [])))];
    const contacts = new Map(
      (contactIds.length === 0
        ? []
        : await trx
            .selectFrom('contacts')
            .select(['id', 'displayName', 'firstName'])
            .where('id', 'in', contactIds)
            .execute()
      ).map((contact) => [contact.id, contact.displayName ?? contact.firstName]),
    );
    const conversationIds = [
      ...new Set(page.items.flatMap((row) => (row.conversationId ? [row.conversationId] : []))),
    ];
    const excerpts = new Map<string, QueueEntry['excerpt']>();
    for (const message of (await latestMessagesOf(trx, conversationIds, EXCERPT_MESSAGES)).reverse()) {
      const list = excerpts.get(message.conversationId) ?? [];
      list.push({ direction: message.direction, text: message.text, sentAt: message.sentAt });
      excerpts.set(message.conversationId, list);
    }
    const items: QueueEntry[] = [];
    for (const row of page.items) {
      items.push({
        ...row,
        contactName: (row.contactId && contacts.get(row.contactId)) || null,
        excerpt: (row.conversationId && excerpts.get(row.conversationId)) || [],
        diff: row.version > 1 ? await versionDiff(trx, row.quoteId) : null,
      });
    }
    return { items, next: page.next };
  });
}
