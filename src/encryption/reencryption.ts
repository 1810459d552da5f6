import { sql } from 'kysely';
import { dataKeys } from '../platform/crypto/data-keys.js';
import { sealBuffer, sealText } from '../platform/crypto/field-codec.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { ENCRYPTED_COLUMNS, type EncryptedColumn, rowKey } from './encrypted-columns.js';

export const REENCRYPT_BATCH = 200;

/**
 * Where a pass of the re-encryption job stands: a column (by position in ENCRYPTED_COLUMNS; the position
 * after the last column is the blob walk) and the last id (or blob key) it looked at.
 */
export interface ReencryptCursor {
  readonly column: number;
  readonly after: string | null;
}

export interface BatchOutcome {
  readonly rewritten: number;
  /** Null past the last column; after the last column's end, the position of the blob walk. */
  readonly next: ReencryptCursor | null;
}

const ref = (column: EncryptedColumn) => sql.ref(`${column.table}.${column.column}`);

/**
 * One bounded batch of a pass: the next `limit` rows of a column by id; those holding legacy plaintext or
 * a value sealed under an older key version are sealed again under the current one. Idempotent: a batch
 * run twice finds nothing left to do in the rows it already rewrote.
 */
export async function reencryptBatch(
  trx: TenantTransaction,
  tenantId: string,
  cursor: ReencryptCursor,
  limit = REENCRYPT_BATCH,
): Promise<BatchOutcome> {
  const column = ENCRYPTED_COLUMNS[cursor.column];
  if (!column) return { rewritten: 0, next: null };
  const current = (await dataKeys().ensureCurrent(trx, tenantId)).current;
  const id = rowKey(column);
  const after = cursor.after === null ? sql`true` : sql`${id} > ${cursor.after}::${sql.raw(column.idType)}`;
  // Ids and versions only: values are read (and opened) just for the rows that need work.
  const { rows } = await sql<{ id: string; version: number | null; present: boolean }>`
    select ${id}::text as id, data_key_version(${ref(column)}) as version, ${ref(column)} is not null as present
    from ${sql.table(column.table)}
    where ${after}
    order by ${id}
    limit ${limit}`.execute(trx);
  const stale = rows.filter((row) => row.present && row.version !== current).map((row) => row.id);
  if (stale.length > 0) {
    const { rows: values } = await sql<{ id: string; value: string | Buffer }>`
      select ${id}::text as id, ${ref(column)} as value from ${sql.table(column.table)}
      where ${id} = any(${stale}::${sql.raw(column.idType)}[])`.execute(trx);
    for (const row of values) {
      // Opened by the transaction's codec already (legacy plaintext as it was).
      const sealed = await sealedValue(trx, column, row.value);
      await sql`update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${sealed}
        where ${id} = ${row.id}::${sql.raw(column.idType)}`.execute(trx);
    }
  }
  const last = rows.at(-1)?.id ?? null;
  if (rows.length === limit) return { rewritten: stale.length, next: { column: cursor.column, after: last } };
  // After the last column comes the blob walk (position ENCRYPTED_COLUMNS.length, see data-keys.service).
  return { rewritten: stale.length, next: { column: cursor.column + 1, after: null } };
}

async function sealedValue(trx: TenantTransaction, column: EncryptedColumn, value: unknown) {
  if (column.type === 'bytea') return sealBuffer(trx, column.field, value as Buffer);
  if (column.type === 'text') return sealText(trx, column.field, value as string);
  // jsonb: the codec gave the opened JSON text of a sealed value, or the legacy JSON value itself.
  const json = typeof value === 'string' ? value : JSON.stringify(value);
  return sql`to_jsonb(${await sealText(trx, column.field, json)}::text)`;
}

/** Per key version, how many stored values are sealed under it; `legacy` counts plaintext ones. */
export async function keyUsage(
  trx: TenantTransaction,
): Promise<{ legacy: number; versions: Map<number, number> }> {
  const versions = new Map<number, number>();
  let legacy = 0;
  for (const column of ENCRYPTED_COLUMNS) {
    const { rows } = await sql<{ version: number | null; n: number }>`
      select data_key_version(${ref(column)}) as version, count(*)::int as n from ${sql.table(column.table)}
      where ${ref(column)} is not null group by 1`.execute(trx);
    for (const row of rows) {
      if (row.version === null) legacy += row.n;
      else versions.set(row.version, (versions.get(row.version) ?? 0) + row.n);
    }
  }
  return { legacy, versions };
}
