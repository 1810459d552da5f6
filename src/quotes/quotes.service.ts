import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { findConversation } from '../conversations/conversations.repository.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { diffVersions, type QuoteDiff } from './quote-diff.js';
import { hasManualPrice, type LineInput, resolveLines, storedTotals, totalsOf } from './quote-lines.js';
import { readQuoteSettings } from './quote-settings.js';
import { isFinal } from './quote-state.js';
import { transition } from './quote-transitions.js';
import {
  findQuote,
  findVersion,
  insertQuote,
  insertVersion,
  linesOf,
  listQuotes,
  nextQuoteNumber,
  type QuoteListRow,
  replaceDraft,
  setCurrentVersion,
  versionsOf,
} from './quotes.repository.js';
import type { Quote, QuoteLine, QuoteVersion } from './quotes.table.js';
import type { QuoteTotals } from './totals.js';

export interface QuoteContent {
  lines: LineInput[];
  discountBp?: number | undefined;
  notes?: string | undefined;
  /** YYYY-MM-DD; by default today + the workspace's validity days. */
  validUntil?: string | undefined;
}

export interface QuoteDetail {
  quote: Quote;
  version: QuoteVersion;
  lines: QuoteLine[];
  totals: QuoteTotals;
  versions: Pick<QuoteVersion, 'version' | 'status' | 'statusChangedAt' | 'totalMinor'>[];
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

function checkValidUntil(validUntil: string): void {
  if (validUntil < today()) {
    throw new AppError('validation_failed', 'validUntil is in the past', {
      details: [{ path: 'body.validUntil', message: 'must be today or later' }],
    });
  }
}

async function versionValues(trx: TenantTransaction, content: QuoteContent, previous: QuoteLine[] = []) {
  const settings = await readQuoteSettings(trx);
  const lines = await resolveLines(trx, content.lines, previous);
  const discountBp = content.discountBp ?? 0;
  const validUntil = content.validUntil ?? addDays(today(), settings.validityDays);
  checkValidUntil(validUntil);
  return {
    lines,
    values: {
      currency: settings.currency,
      locale: settings.locale,
      validUntil,
      notes: content.notes ?? '',
      discountBp,
      manualPriceChange: hasManualPrice(lines),
      ...storedTotals(totalsOf(lines, discountBp)),
    },
  };
}

/** A new quote, numbered, with its first version as a draft. */
export async function createQuote(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: QuoteContent & { conversationId?: string | undefined; contactId?: string | undefined },
): Promise<QuoteDetail> {
  return withTenant(db, tenantId, async (trx) => {
    let contactId = input.contactId ?? null;
    if (input.conversationId) {
      const conversation = await findConversation(trx, input.conversationId);
      if (!conversation) throw new AppError('not_found', 'Conversation not found');
      contactId ??= conversation.contactId;
    } else if (contactId) {
      const exists = await trx
        .selectFrom('contacts')
        .select('id')
        .where('id', '=', contactId)
        .executeTakeFirst();
      if (!exists) throw new AppError('not_found', 'Contact not found');
    }
    const { lines, values } = await versionValues(trx, input);
    const number = await nextQuoteNumber(trx, new Date().getUTCFullYear());
    const quote = await insertQuote(trx, {
      number,
      contactId,
      conversationId: input.conversationId ?? null,
      createdByUserId: actor.userId,
    });
    await insertVersion(
      trx,
      { quoteId: quote.id, version: 1, status: 'draft', draftedByUserId: actor.userId, ...values },
      lines,
    );
    await auditContentChange(trx, tenantId, actor, quote, 1, 'quote.created');
    return detail(trx, quote.id);
  });
}

/** Content changes that are not state transitions (creation, a draft's edit, a new version). */
async function auditContentChange(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
  quote: Quote,
  version: number,
  action: string,
): Promise<void> {
  await auditChange(trx, tenantId, actor, action, { quoteId: quote.id, number: quote.number, version });
  await publishInboxEvent(trx, {
    type: 'quote.updated',
    quoteId: quote.id,
    conversationId: quote.conversationId,
    status: 'draft',
  });
}

/**
 * Edits a quote. A draft changes in place; a version that left draft is frozen, so the edit becomes a new
 * draft version and the old one is superseded. `version` is the version the editor saw: a stale one is 409.
 */
export async function editQuote(
  db: Db,
  tenantId: string,
  actor: Actor,
  quoteId: string,
  version: number,
  content: QuoteContent,
): Promise<QuoteDetail> {
  return withTenant(db, tenantId, async (trx) => {
    const quote = await findQuote(trx, quoteId, true);
    if (!quote) throw new AppError('not_found', 'Quote not found');
    if (quote.currentVersion !== version) {
      throw new AppError(
        'conflict',
        `Version ${version} is not the current version (${quote.currentVersion})`,
      );
    }
    const current = await findVersion(trx, quoteId, version);
    if (!current) throw new AppError('not_found', 'Quote not found');
    if (isFinal(current.status))
      throw new AppError('conflict', `A quote that is ${current.status} cannot be edited`);
    const previousLines = await linesOf(trx, current.id);
    const { lines, values } = await versionValues(trx, content, previousLines);
    if (current.status === 'draft') {
      await replaceDraft(trx, current.id, { ...values, draftedByUserId: actor.userId }, lines);
      await auditContentChange(trx, tenantId, actor, quote, version, 'quote.edited');
    } else {
      await transition(
        trx,
        tenantId,
        quote,
        current,
        'superseded',
        { kind: 'member', actor },
        {
          reason: `edited into version ${version + 1}`,
        },
      );
      await insertVersion(
        trx,
        { quoteId, version: version + 1, status: 'draft', draftedByUserId: actor.userId, ...values },
        lines,
      );
      await setCurrentVersion(trx, quoteId, version + 1);
      await auditContentChange(trx, tenantId, actor, quote, version + 1, 'quote.version_created');
    }
    return detail(trx, quoteId);
  });
}

export async function detail(
  trx: TenantTransaction,
  quoteId: string,
  versionNumber?: number,
): Promise<QuoteDetail> {
  const quote = await findQuote(trx, quoteId);
  if (!quote) throw new AppError('not_found', 'Quote not found');
  const versions = await versionsOf(trx, quoteId);
  const version = versions.find((v) => v.version === (versionNumber ?? quote.currentVersion));
  if (!version) throw new AppError('not_found', 'Quote version not found');
  const lines = await linesOf(trx, version.id);
  return {
    quote,
    version,
    lines,
    totals: totalsOf(lines, version.discountBp),
    versions: versions.map(({ version: v, status, statusChangedAt, totalMinor }) => ({
      version: v,
      status,
      statusChangedAt,
      totalMinor,
    })),
  };
}

export async function getQuote(
  db: Db,
  tenantId: string,
  quoteId: string,
  version?: number,
): Promise<QuoteDetail> {
  return withTenant(db, tenantId, (trx) => detail(trx, quoteId, version));
}

export async function pageOfQuotes(
  db: Db,
  tenantId: string,
  options: { after?: PageCursor | undefined; limit: number; conversationId?: string | undefined },
): Promise<Page<QuoteListRow>> {
  const rows = await withTenant(db, tenantId, (trx) => listQuotes(trx, options));
  return pageOf(rows, options.limit, (row) => ({ at: row.createdAt, id: row.id }));
}

/** The difference between two versions; by default between the current one and the one before. */
export async function versionDiff(
  trx: TenantTransaction,
  quoteId: string,
  from?: number,
  to?: number,
): Promise<QuoteDiff | null> {
  const quote = await findQuote(trx, quoteId);
  if (!quote) throw new AppError('not_found', 'Quote not found');
  const toVersion = to ?? quote.currentVersion;
  const fromVersion = from ?? toVersion - 1;
  if (fromVersion < 1) return null;
  const a = await findVersion(trx, quoteId, fromVersion);
  const b = await findVersion(trx, quoteId, toVersion);
  if (!a || !b) throw new AppError('not_found', 'Quote version not found');
  return diffVersions(
    { version: a, lines: await linesOf(trx, a.id) },
    { version: b, lines: await linesOf(trx, b.id) },
  );
}

export async function getVersionDiff(
  db: Db,
  tenantId: string,
  quoteId: string,
  from: number | undefined,
  to: number | undefined,
): Promise<QuoteDiff | null> {
  return withTenant(db, tenantId, (trx) => versionDiff(trx, quoteId, from, to));
}
