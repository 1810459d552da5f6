import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The processing job reads a conversation's unsent replies in every turn it applies. Pending rows are
  // few and short-lived, so this index stays tiny however long the conversation grows.
  await sql`
    create index messages_pending_outbound_idx on messages (conversation_id, created_at, id)
    where direction = 'outbound' and status = 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index messages_pending_outbound_idx`.execute(db);
}
