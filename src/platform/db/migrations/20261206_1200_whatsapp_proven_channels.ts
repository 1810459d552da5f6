import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // When Meta confirmed that the channel's access token controls its phone number id (a Graph call only a
  // token of that number can make). Only proven channels hold their number exclusively: an unproven one
  // (connected before this column existed) never blocks another workspace from connecting the number.
  await sql`alter table whatsapp_channels add column verified_at timestamptz`.execute(db);
  // Why the last proof did not succeed (Meta's refusal, or the number proven by another workspace).
  await sql`
    alter table whatsapp_channels
      add column verification_error text check (length(verification_error) <= 500)`.execute(db);
  await sql`drop index whatsapp_channels_phone_number_idx`.execute(db);
  await sql`
    create unique index whatsapp_channels_proven_number_idx on whatsapp_channels (phone_number_id)
    where verified_at is not null and disabled_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index whatsapp_channels_proven_number_idx`.execute(db);
  // Fails while two enabled channels share a number (allowed since `up`): disable one first.
  await sql`
    create unique index whatsapp_channels_phone_number_idx on whatsapp_channels (phone_number_id)
    where disabled_at is null`.execute(db);
  await sql`alter table whatsapp_channels drop column verification_error`.execute(db);
  await sql`alter table whatsapp_channels drop column verified_at`.execute(db);
}
