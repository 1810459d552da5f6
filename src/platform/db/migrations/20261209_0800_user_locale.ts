import { type Kysely, sql } from 'kysely';

/**
 * The dashboard language each person chose in My account (ADR 0045). Null: follow the browser. Users are
 * global (not tenant-owned), so there is no row-level policy to add.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table users add column locale text
      constraint users_locale_known check (locale in ('en', 'it', 'pt-BR', 'es'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop column locale`.execute(db);
}
