import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

// The text policy of 2026-12 for names (platform/http/text-fields.ts then), as a PostgreSQL regular
// expression: control characters (C0 without NUL, which text cannot hold; DEL; C1), direction marks,
// line and paragraph separators, bidirectional embeddings, overrides and isolates.
const NOT_IN_A_NAME =
  '[\\x01-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]';

/** Names stored before the policy; `fallback`: the value when nothing is left (null for optional ones). */
const NAME_COLUMNS = [
  { table: 'tenants', column: 'name', fallback: 'Workspace' },
  { table: 'users', column: 'display_name', fallback: null },
  { table: 'api_keys', column: 'name', fallback: 'API key' },
  { table: 'whatsapp_channels', column: 'name', fallback: 'WhatsApp' },
  { table: 'contacts', column: 'first_name', fallback: null },
  { table: 'contacts', column: 'last_name', fallback: null },
  { table: 'contacts', column: 'company', fallback: null },
] as const;

/**
 * Runs `work` on `table` with row-level security not forced, so that an owner without BYPASSRLS (a
 * managed PostgreSQL) sees every tenant's rows; the previous setting is restored in the same transaction.
 */
async function withEveryRow(db: Kysely<unknown>, table: string, work: () => Promise<void>): Promise<void> {
  const { rows } = await sql<{ forced: boolean }>`
    select relforcerowsecurity as forced from pg_class where oid = ${table}::regclass`.execute(db);
  const forced = rows[0]?.forced === true;
  if (forced) await sql`alter table ${sql.table(table)} no force row level security`.execute(db);
  await work();
  if (forced) await sql`alter table ${sql.table(table)} force row level security`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const pattern = sql`${NOT_IN_A_NAME}::text`;
  for (const { table, column, fallback } of NAME_COLUMNS) {
    const cleaned = sql`nullif(btrim(regexp_replace(${sql.ref(column)}, ${pattern}, '', 'g')), '')`;
    const value = fallback === null ? cleaned : sql`coalesce(${cleaned}, ${sql.lit(fallback)})`;
    await withEveryRow(db, table, async () => {
      await sql`
        update ${sql.table(table)} set ${sql.ref(column)} = ${value}
        where ${sql.ref(column)} ~ ${pattern}`.execute(db);
    });
  }
  // Label names are unique per tenant (case-insensitively): a cleaned name gets its id's first 8 hex digits,
  // so it can collide with neither an existing label nor another cleaned one.
  await withEveryRow(db, 'labels', async () => {
    await sql`
      update labels
      set name = left(coalesce(nullif(btrim(regexp_replace(name, ${pattern}, '', 'g')), ''), 'Label'), 41)
                 || ' ' || left(id::text, 8)
      where name ~ ${pattern}`.execute(db);
  });
}

export async function down(_db: Kysely<unknown>): Promise<void> {
  // Nothing to undo: the removed characters are not kept anywhere, and names without them stay valid.
}
