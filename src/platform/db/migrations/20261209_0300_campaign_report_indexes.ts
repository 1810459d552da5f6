import { type Kysely, sql } from 'kysely';

/**
 * The campaign report (ADR 0046) asks, for each recipient, whether a quote was created for the contact
 * after the send: without an index by contact that is a scan of the workspace's quotes per report.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index quotes_contact_idx on quotes (tenant_id, contact_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index quotes_contact_idx`.execute(db);
}
