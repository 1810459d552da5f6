import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The contact import refuses people erased from the workspace set-based: it hashes each staged phone
  // number and e-mail address with pgcrypto's hmac() and looks the digest up in privacy_suppressions.
  // pgcrypto is a trusted extension (PostgreSQL 13+), created by the database owner running migrations.
  await sql`create extension if not exists pgcrypto`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop extension if exists pgcrypto`.execute(db);
}
