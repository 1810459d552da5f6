import { sql } from 'kysely';
import { keysetPage } from '../../platform/db/keyset.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { PageCursor } from '../../platform/http/cursor.js';
import type { CatalogItem } from '../quotes.table.js';

export interface CatalogItemValues {
  sku: string;
  name: string;
  description?: string | undefined;
  unit?: string | undefined;
  unitPriceMinor: number;
  taxRateBp?: number | undefined;
  active?: boolean | undefined;
  category?: string | null | undefined;
  options?: string[] | undefined;
}

function row(values: Partial<CatalogItemValues>) {
  const { options, ...rest } = values;
  return { ...rest, ...(options === undefined ? {} : { options: JSON.stringify(options) }) };
}

export async function insertCatalogItem(
  trx: TenantTransaction,
  values: CatalogItemValues,
): Promise<CatalogItem> {
  return trx
    .insertInto('catalogItems')
    .values(row(values) as CatalogItemValues & { options?: string })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateCatalogItem(
  trx: TenantTransaction,
  id: string,
  changes: Partial<CatalogItemValues>,
): Promise<CatalogItem | undefined> {
  return trx
    .updateTable('catalogItems')
    .set((eb) => ({ ...row(changes), updatedAt: eb.fn('now') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Inserts or, for an existing SKU (case-insensitive), replaces the item: what a CSV import does. */
export async function upsertCatalogItemBySku(
  trx: TenantTransaction,
  values: CatalogItemValues,
): Promise<{ item: CatalogItem; inserted: boolean }> {
  const { rows } = await sql<CatalogItem & { inserted: boolean }>`
    insert into catalog_items (sku, name, description, unit, unit_price_minor, tax_rate_bp, active, category, options)
    values (${values.sku}, ${values.name}, ${values.description ?? ''}, ${values.unit ?? 'unit'},
      ${values.unitPriceMinor}, ${values.taxRateBp ?? 0}, ${values.active ?? true}, ${values.category ?? null},
      ${JSON.stringify(values.options ?? [])}::jsonb)
    on conflict (tenant_id, lower(sku)) do update set
      name = excluded.name, description = excluded.description, unit = excluded.unit,
      unit_price_minor = excluded.unit_price_minor, tax_rate_bp = excluded.tax_rate_bp,
      active = excluded.active, category = excluded.category, options = excluded.options, updated_at = now()
    returning id, (xmax = 0) as inserted`.execute(trx);
  const first = rows[0] as { id: string; inserted: boolean };
  const item = await findCatalogItem(trx, first.id);
  return { item: item as CatalogItem, inserted: first.inserted };
}

export async function deleteCatalogItem(
  trx: TenantTransaction,
  id: string,
): Promise<CatalogItem | undefined> {
  return trx.deleteFrom('catalogItems').where('id', '=', id).returningAll().executeTakeFirst();
}

export async function findCatalogItem(trx: TenantTransaction, id: string): Promise<CatalogItem | undefined> {
  return trx.selectFrom('catalogItems').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCatalogItems(
  trx: TenantTransaction,
  ids: readonly string[],
): Promise<CatalogItem[]> {
  if (ids.length === 0) return [];
  return trx.selectFrom('catalogItems').selectAll().where('id', 'in', ids).execute();
}

export interface CatalogListFilters {
  active?: boolean | undefined;
  category?: string | undefined;
  after?: PageCursor | undefined;
  limit: number;
}

/** Newest first, keyset on (created_at, id); one more row than asked tells whether a page follows. */
export async function listCatalogItems(
  trx: TenantTransaction,
  filters: CatalogListFilters,
): Promise<CatalogItem[]> {
  let query = trx
    .selectFrom('catalogItems')
    .selectAll()
    .limit(filters.limit + 1);
  if (filters.active !== undefined) query = query.where('active', '=', filters.active);
  if (filters.category !== undefined) query = query.where('category', '=', filters.category);
  return keysetPage(query, { time: 'created_at', id: 'id', direction: 'desc' }, filters.after).execute();
}

/**
 * Smallest word similarity a match needs (pg_trgm's own default threshold): a typo in a 7-letter word
 * passes ("rodapee" 0.75), a different word sharing a suffix does not ("geladeira" vs "madeira" 0.5).
 */
const MIN_SIMILARITY = 0.6;

/**
 * Active items matching `text` ignoring case and accents, tolerant of typos (trigram word similarity),
 * best first. A workspace's catalog is small (hundreds to a few thousand items), so scoring each of its
 * rows is cheaper than an index the tenant policy would keep PostgreSQL from using anyway.
 */
export async function searchCatalogItems(
  trx: TenantTransaction,
  text: string,
  limit: number,
): Promise<(CatalogItem & { score: number })[]> {
  const { rows } = await sql<CatalogItem & { score: number }>`
    with term as (select quote_search_fold(${text}) as folded)
    select c.*, greatest(word_similarity(term.folded, c.search_text),
                         case when strpos(c.search_text, term.folded) > 0 then 1 else 0 end)::float8 as score
    from catalog_items c, term
    where c.active and word_similarity(term.folded, c.search_text) >= ${MIN_SIMILARITY}
    order by score desc, c.name, c.id
    limit ${limit}`.execute(trx);
  return rows;
}
