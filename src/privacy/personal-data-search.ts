import { sql, type Transaction } from 'kysely';
import { type EncryptedColumn, encryptedColumn, rowKey } from '../encryption/encrypted-columns.js';
import { dataKeys, type WorkspaceKeys } from '../platform/crypto/data-keys.js';
import { openStored } from '../platform/crypto/field-codec.js';
import type { Db } from '../platform/db/database.js';
import type { Database } from '../platform/db/schema.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { type PersonalDataCategory, personalColumns } from './registry.js';

/** Categories whose values can contain a person's number, address or name as text. */
const SEARCHED: readonly PersonalDataCategory[] = ['identifier', 'content', 'profile', 'network'];

export interface PersonalDataTerms {
  /** E.164 or any spelling; searched as its digits, which also match provider ids without the "+". */
  readonly phone?: string;
  readonly email?: string;
  readonly name?: string;
}

export interface PersonalDataHit {
  readonly table: string;
  readonly column: string;
  readonly rows: number;
}

function searchTerms(terms: PersonalDataTerms): string[] {
  const found: string[] = [];
  const digits = terms.phone?.replace(/\D/g, '');
  if (digits) found.push(digits);
  if (terms.email?.trim()) found.push(terms.email.trim());
  if (terms.name?.trim()) found.push(terms.name.trim());
  // Short terms would match nearly everything and prove nothing.
  if (found.length === 0 || found.some((term) => term.length < 5)) {
    throw new Error('search for at least one term of five characters or more (phone, email or name)');
  }
  return found;
}

const escapeLike = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Searches every column the registry classifies as able to hold a person's data for a phone number,
 * e-mail address or name: the check an erasure ends with ("nothing of this person is left"). Needs an
 * owner connection that row-level security does not filter (all workspaces, or `tenantId`'s only).
 * Raw payloads are searched as text (bytea as UTF-8), so a value a provider escaped (\u00e9) is not found.
 */
export async function searchPersonalData(
  ownerDb: Db,
  terms: PersonalDataTerms,
  options: { tenantId?: string } = {},
): Promise<PersonalDataHit[]> {
  const patterns = searchTerms(terms);
  return ownerDb.transaction().execute(async (trx) => {
    // Off: a connection row-level security would filter errors out, instead of finding nothing.
    await sql`set local row_security = off`.execute(trx);
    return search(trx, patterns, options.tenantId);
  });
}

/**
 * The same search inside one workspace's transaction, as the application role sees it: tables the role
 * cannot read (graphile-worker's, the operators' accounts) are left out. An erasure job ends with this.
 */
export async function searchPersonalDataInTenant(
  trx: TenantTransaction,
  terms: PersonalDataTerms,
): Promise<PersonalDataHit[]> {
  return search(trx, searchTerms(terms), undefined);
}

async function search(db: Transaction<Database>, patterns: string[], tenantId: string | undefined) {
  const { rows: catalog } = await sql<{ table: string; column: string; type: string; tenant: boolean }>`
    select c.table_schema || '.' || c.table_name as table, c.column_name as column, c.data_type as type,
           exists (select 1 from information_schema.columns t
                   where t.table_schema = c.table_schema and t.table_name = c.table_name
                     and t.column_name = 'tenant_id') as tenant
    from information_schema.columns c`.execute(db);
  const types = new Map(catalog.map((row) => [`${row.table}.${row.column}`, row]));

  const hits: PersonalDataHit[] = [];
  for (const { table, column } of personalColumns({ categories: SEARCHED })) {
    const info = types.get(`${table}.${column}`);
    if (!info) continue;
    const [schema, name] = table.split('.') as [string, string];
    const ref = sql`${sql.id(schema, name)}.${sql.id(column)}`;
    const matches = patterns.map((term) =>
      info.type === 'bytea'
        ? sql`position(convert_to(${term}, 'UTF8') in ${ref}) > 0`
        : sql`${ref}::text ilike ${`%${escapeLike(term)}%`}`,
    );
    const tenantFilter =
      tenantId && info.tenant ? sql`and ${sql.id(schema, name, 'tenant_id')} = ${tenantId}::uuid` : sql``;
    // An encrypted column (ADR 0036): SQL searches its legacy plaintext only, the sealed values are opened.
    const encrypted = schema === 'public' ? encryptedColumn(name, column) : undefined;
    const legacyOnly = encrypted ? sql`and data_key_version(${ref}) is null` : sql``;
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id(schema, name)}
      where (${sql.join(matches, sql` or `)}) ${legacyOnly} ${tenantFilter}`.execute(db);
    const sealedHits = encrypted ? await searchSealed(db, encrypted, patterns, tenantFilter) : 0;
    const count = (rows[0]?.n ?? 0) + sealedHits;
    if (count > 0) hits.push({ table, column, rows: count });
  }
  return hits;
}

const SEALED_BATCH = 1_000;

/**
 * Counts the sealed values of an encrypted column that contain a term, opening each with its workspace's
 * keys, in batches by id. In a tenant transaction the codec has opened them already.
 */
async function searchSealed(
  db: Transaction<Database>,
  column: EncryptedColumn,
  patterns: string[],
  tenantFilter: ReturnType<typeof sql>,
): Promise<number> {
  const id = rowKey(column);
  const value = sql.ref(`${column.table}.${column.column}`);
  const keys = new Map<string, WorkspaceKeys>();
  const lowered = patterns.map((term) => term.toLowerCase());
  let after: string | null = null;
  let found = 0;
  for (;;) {
    const { rows }: { rows: { id: string; tenantId: string; value: unknown }[] } = await sql<{
      id: string;
      tenantId: string;
      value: unknown;
    }>`
      select ${id}::text as id, ${sql.ref(`${column.table}.tenant_id`)}::text as tenant_id, ${value} as value
      from ${sql.table(column.table)}
      where data_key_version(${value}) is not null ${tenantFilter}
        ${after === null ? sql`` : sql`and ${id} > ${after}::${sql.raw(column.idType)}`}
      order by ${id} limit ${SEALED_BATCH}`.execute(db);
    for (const row of rows) {
      let workspace = keys.get(row.tenantId);
      if (!workspace) {
        workspace = await dataKeys().load(db, row.tenantId);
        keys.set(row.tenantId, workspace);
      }
      const opened = openStored(workspace, row.value);
      const hit =
        typeof opened === 'string'
          ? lowered.some((term) => opened.toLowerCase().includes(term))
          : Buffer.isBuffer(opened) && patterns.some((term) => opened.includes(Buffer.from(term, 'utf8')));
      if (hit) found += 1;
    }
    if (rows.length < SEALED_BATCH) return found;
    after = rows.at(-1)?.id ?? null;
  }
}
