import { sql, type Transaction } from 'kysely';
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
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id(schema, name)}
      where (${sql.join(matches, sql` or `)}) ${tenantFilter}`.execute(db);
    const count = rows[0]?.n ?? 0;
    if (count > 0) hits.push({ table, column, rows: count });
  }
  return hits;
}
