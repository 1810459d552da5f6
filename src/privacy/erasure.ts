import { sql } from 'kysely';
import { encryptedColumn, rowKey } from '../encryption/encrypted-columns.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { type ContactDataRule, type ContactKeys, contactDataRules, personalDataBlobs } from './registry.js';

/** `public.messages` -> the identifier of that table in SQL. */
export function tableRef(table: string) {
  const [schema, name] = table.split('.') as [string, string];
  return sql.id(schema, name);
}

/** Applies one registry entry's erasure to the contact's rows; returns how many rows it removed or changed. */
export async function eraseRows(
  trx: TenantTransaction,
  table: string,
  rule: ContactDataRule,
  keys: ContactKeys,
  options: { keepAcceptedQuotes: boolean },
): Promise<number> {
  const { erase } = rule;
  const where = rule.sealedMentions
    ? sql`(${rule.rows(keys)} or ${await sealedMentions(trx, table, rule.sealedMentions, keys)})`
    : rule.rows(keys);
  const deleteWhere = async (extra = sql`true`) => {
    const result = await sql`delete from ${tableRef(table)} where ${where} and ${extra}`.execute(trx);
    return Number(result.numAffectedRows ?? 0n);
  };
  const update = async (set: Readonly<Record<string, unknown>>, extra = sql`true`) => {
    const assignments = Object.entries(set).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
    const result =
      await sql`update ${tableRef(table)} set ${sql.join(assignments)} where ${where} and ${extra}`.execute(
        trx,
      );
    return Number(result.numAffectedRows ?? 0n);
  };
  switch (erase.kind) {
    case 'kept':
      return 0;
    case 'delete':
      return deleteWhere();
    case 'anonymise':
      return update(erase.set);
    case 'delete-or-hold':
      if (!options.keepAcceptedQuotes) return deleteWhere();
      return (await update(erase.set, erase.held)) + (await deleteWhere(sql`not ${erase.held}`));
    case 'function': {
      // Only identifiers: the contact's id stays in entries that say an erasure happened.
      const terms = keys.identifiers.filter((term) => term.length >= 5);
      if (terms.length === 0) return 0;
      const { rows } = await sql<{ n: number }>`select ${sql.raw(erase.name)}(${terms}::text[]) as n`.execute(
        trx,
      );
      return rows[0]?.n ?? 0;
    }
  }
}

const SEALED_BATCH = 1_000;

/**
 * The rows whose sealed `columns` mention one of the person's identifiers, as a SQL predicate. The tenant
 * transaction's codec opens each value as it is read; plaintext rows are left to the rule's own SQL.
 */
async function sealedMentions(
  trx: TenantTransaction,
  table: string,
  columns: readonly string[],
  keys: ContactKeys,
) {
  const terms = keys.identifiers.filter((term) => term.length >= 5).map((term) => term.toLowerCase());
  const name = table.split('.')[1] as string;
  const predicates = [];
  for (const column of columns) {
    const encrypted = encryptedColumn(name, column);
    if (!encrypted || terms.length === 0) continue;
    const matched = new Set<string>();
    const key = rowKey(encrypted);
    const value = sql.ref(`${name}.${column}`);
    let after: string | null = null;
    for (;;) {
      const { rows }: { rows: { key: string; value: unknown }[] } = await sql<{
        key: string;
        value: unknown;
      }>`
        select ${key}::text as key, ${value} as value from ${tableRef(table)}
        where data_key_version(${value}) is not null ${after === null ? sql`` : sql`and ${key}::text > ${after}`}
        order by ${key}::text limit ${SEALED_BATCH}`.execute(trx);
      for (const row of rows) {
        const text = (
          Buffer.isBuffer(row.value) ? row.value.toString('utf8') : String(row.value)
        ).toLowerCase();
        if (terms.some((term) => text.includes(term))) matched.add(row.key);
      }
      if (rows.length < SEALED_BATCH) break;
      after = rows[rows.length - 1]?.key ?? null;
    }
    if (matched.size > 0) predicates.push(sql`${key}::text = any(${[...matched]}::text[])`);
  }
  return predicates.length === 0 ? sql`false` : sql`(${sql.join(predicates, sql` or `)})`;
}

/**
 * The blob keys of the contact's rows, per registered blob kind, that no other row refers to (content-
 * addressed blobs are shared when two people sent the same file).
 */
export async function contactBlobKeys(trx: TenantTransaction, keys: ContactKeys): Promise<string[]> {
  const found: string[] = [];
  for (const blob of Object.values(personalDataBlobs)) {
    const rule = contactDataRules[blob.keyColumn.table];
    if (!rule) continue;
    const column = sql.ref(blob.keyColumn.column);
    const { rows } = await sql<{ key: string }>`
      select distinct ${column} as key from ${tableRef(blob.keyColumn.table)} mine
      where ${rule.rows(keys)} and ${column} is not null
        and not exists (select 1 from ${tableRef(blob.keyColumn.table)} other
                        where other.${column} = mine.${column} and not (${rule.rows(keys)}))`.execute(trx);
    found.push(...rows.map((row) => row.key));
  }
  return withoutOtherReferences(trx, keys, [...new Set(found)]);
}

/**
 * Blob kinds keyed by one key column can name the same blob (an upload and the media row of the message
 * that sent it, or another person's copy of the same file): a key still named by a row that is not the
 * contact's, in any such kind, is kept.
 */
async function withoutOtherReferences(
  trx: TenantTransaction,
  keys: ContactKeys,
  found: readonly string[],
): Promise<string[]> {
  if (found.length === 0) return [];
  const kept = new Set<string>();
  for (const blob of Object.values(personalDataBlobs)) {
    const rule = contactDataRules[blob.keyColumn.table];
    if (!rule || blob.keyColumn.column !== 'blob_key') continue;
    const { rows } = await sql<{ key: string }>`
      select distinct blob_key as key from ${tableRef(blob.keyColumn.table)}
      where blob_key = any(${found}::text[]) and not (${rule.rows(keys)})`.execute(trx);
    for (const row of rows) kept.add(row.key);
  }
  return found.filter((key) => !kept.has(key));
}

export async function deleteBlobs(blobs: BlobStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) await blobs.delete(key);
}
