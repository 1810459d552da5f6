import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // A token is bound to the address it was mailed to: verifying proves control of that address only, and
  // an address change takes effect when the new address confirms it (so nobody can claim an address they
  // cannot read). Existing tokens have none and stay valid for the user's current address.
  await sql`alter table user_tokens add column email text check (email = lower(email) and length(email) <= 254)`.execute(
    db,
  );
  await sql`alter table user_tokens drop constraint user_tokens_purpose_check`.execute(db);
  await sql`
    alter table user_tokens add constraint user_tokens_purpose_check
      check (purpose in ('verify_email', 'reset_password', 'change_email'))`.execute(db);
  await sql`
    alter table user_tokens add constraint user_tokens_change_email_has_email
      check (purpose <> 'change_email' or email is not null)`.execute(db);
  await sql`create index user_tokens_user_idx on user_tokens (user_id, purpose) where used_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from user_tokens where purpose = 'change_email'`.execute(db);
  await sql`drop index user_tokens_user_idx`.execute(db);
  await sql`alter table user_tokens drop constraint user_tokens_change_email_has_email`.execute(db);
  await sql`alter table user_tokens drop constraint user_tokens_purpose_check`.execute(db);
  await sql`
    alter table user_tokens add constraint user_tokens_purpose_check
      check (purpose in ('verify_email', 'reset_password'))`.execute(db);
  await sql`alter table user_tokens drop column email`.execute(db);
}
