import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { PageCursor } from '../platform/http/cursor.js';
import type { QuoteStatus } from './quote-state.js';
import type { Quote, QuoteLine, QuoteLinesTable, QuoteVersion, QuoteVersionsTable } from './quotes.table.js';

/**
 * The next number of the year. The upsert takes the counter row's lock until the quote's transaction
 * ends: a concurrent quote waits, and a rolled-back one gives its number back, so numbers have no gaps.
 */
export async function nextQuoteNumber(trx: TenantTransaction, year: number): Promise<string> {
  const { rows } = await sql<{ lastNumber: number }>`
    insert into quote_counters (year, last_number) values (${year}, 1)
    on conflict (tenant_id, year) do update set last_number = quote_counters.last_number + 1
    returning last_number`.execute(trx);
  return `${year}-${String(rows[0]?.lastNumber).padStart(4, '0')}`;
}

export async function insertQuote(
  trx: TenantTransaction,
  values: {
    number: string;
    contactId: string | null;
    conversationId: string | null;
    createdByUserId: string | null;
  },
): Promise<Quote> {
  return trx.insertInto('quotes').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function insertVersion(
  trx: TenantTransaction,
  values: Omit<Insertable<QuoteVersionsTable>, 'tenantId'>,
  lines: Omit<Insertable<QuoteLinesTable>, 'tenantId' | 'quoteVersionId'>[],
): Promise<QuoteVersion> {
  const version = await trx
    .insertInto('quoteVersions')
    .values(values)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (lines.length > 0) {
    await trx
      .insertInto('quoteLines')
      .values(lines.map((line) => ({ ...line, quoteVersionId: version.id })))
      .execute();
  }
  return version;
}

/** Replaces a draft version's content (drafts are the only versions that change in place). */
export async function replaceDraft(
  trx: TenantTransaction,
  versionId: string,
  values: Partial<Omit<Insertable<QuoteVersionsTable>, 'tenantId' | 'quoteId' | 'version' | 'status'>>,
  lines: Omit<Insertable<QuoteLinesTable>, 'tenantId' | 'quoteVersionId'>[],
): Promise<QuoteVersion | undefined> {
  const version = await trx
    .updateTable('quoteVersions')
    .set(values)
    .where('id', '=', versionId)
    .where('status', '=', 'draft')
    .returningAll()
    .executeTakeFirst();
  if (!version) return undefined;
  await trx.deleteFrom('quoteLines').where('quoteVersionId', '=', versionId).execute();
  if (lines.length > 0) {
    await trx
      .insertInto('quoteLines')
      .values(lines.map((line) => ({ ...line, quoteVersionId: versionId })))
      .execute();
  }
  return version;
}

export async function findQuote(
  trx: TenantTransaction,
  id: string,
  lock = false,
): Promise<Quote | undefined> {
  let query = trx.selectFrom('quotes').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function findVersion(
  trx: TenantTransaction,
  quoteId: string,
  version: number,
): Promise<QuoteVersion | undefined> {
  return trx
    .selectFrom('quoteVersions')
    .selectAll()
    .where('quoteId', '=', quoteId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function findVersionById(trx: TenantTransaction, id: string): Promise<QuoteVersion | undefined> {
  return trx.selectFrom('quoteVersions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function versionsOf(trx: TenantTransaction, quoteId: string): Promise<QuoteVersion[]> {
  return trx
    .selectFrom('quoteVersions')
    .selectAll()
    .where('quoteId', '=', quoteId)
    .orderBy('version')
    .execute();
}

export async function linesOf(trx: TenantTransaction, versionId: string): Promise<QuoteLine[]> {
  return trx
    .selectFrom('quoteLines')
    .selectAll()
    .where('quoteVersionId', '=', versionId)
    .orderBy('position')
    .execute();
}

/**
 * Moves a version from `from` to `to`, or does nothing (undefined) when it is no longer in `from`: the
 * condition in the UPDATE is what makes two approvers racing end with one winner.
 */
export async function moveVersion(
  trx: TenantTransaction,
  versionId: string,
  from: QuoteStatus,
  to: QuoteStatus,
  extra: { approvedByUserId?: string | null; sentAt?: Date } = {},
): Promise<QuoteVersion | undefined> {
  return trx
    .updateTable('quoteVersions')
    .set((eb) => ({ status: to, statusChangedAt: eb.fn('now'), ...extra }))
    .where('id', '=', versionId)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
}

export async function setCurrentVersion(
  trx: TenantTransaction,
  quoteId: string,
  version: number,
): Promise<void> {
  await trx.updateTable('quotes').set({ currentVersion: version }).where('id', '=', quoteId).execute();
}

export interface QuoteListRow extends Quote {
  status: QuoteStatus;
  totalMinor: string;
  currency: string;
}

/** Newest first, keyset on (created_at, id), with the current version's status and total. */
export async function listQuotes(
  trx: TenantTransaction,
  options: { after?: PageCursor | undefined; limit: number; conversationId?: string | undefined },
): Promise<QuoteListRow[]> {
  let query = trx
    .selectFrom('quotes as q')
    .innerJoin('quoteVersions as v', (join) =>
      join.onRef('v.quoteId', '=', 'q.id').onRef('v.version', '=', 'q.currentVersion'),
    )
    .selectAll('q')
    .select(['v.status', 'v.totalMinor', 'v.currency'])
    .orderBy('q.createdAt', 'desc')
    .orderBy('q.id', 'desc')
    .limit(options.limit + 1);
  if (options.conversationId) query = query.where('q.conversationId', '=', options.conversationId);
  const after = options.after;
  if (after) {
    query = query.where(sql<boolean>`(q.created_at, q.id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
  }
  return query.execute();
}

export interface PendingRow {
  versionId: string;
  quoteId: string;
  number: string;
  version: number;
  statusChangedAt: Date;
  totalMinor: string;
  currency: string;
  contactId: string | null;
  conversationId: string | null;
  draftedByUserId: string | null;
  manualPriceChange: boolean;
}

/** The approval queue, oldest first (keyset on status_changed_at, id), from the partial index. */
export async function listPending(
  trx: TenantTransaction,
  options: { after?: PageCursor | undefined; limit: number; waitingSince?: Date | undefined },
): Promise<PendingRow[]> {
  let query = trx
    .selectFrom('quoteVersions as v')
    .innerJoin('quotes as q', 'q.id', 'v.quoteId')
    .select([
      'v.id as versionId',
      'v.quoteId',
      'q.number',
      'v.version',
      'v.statusChangedAt',
      'v.totalMinor',
      'v.currency',
      'q.contactId',
      'q.conversationId',
      'v.draftedByUserId',
      'v.manualPriceChange',
    ])
    .where('v.status', '=', 'pending_approval')
    .orderBy('v.statusChangedAt')
    .orderBy('v.id')
    .limit(options.limit + 1);
  if (options.waitingSince) query = query.where('v.statusChangedAt', '<', options.waitingSince);
  const after = options.after;
  if (after) {
    query = query.where(
      sql<boolean>`(v.status_changed_at, v.id) > (${after.at}::timestamptz, ${after.id}::uuid)`,
    );
  }
  return query.execute();
}
