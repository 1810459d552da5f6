import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The qualifier stores every value when it is understood; the summary's "yes" only marks the profile
  // confirmed (an optional per-workspace step), and "I'm a freelancer, no company" is an answer too.
  await sql`alter table contacts add column company_none boolean not null default false`.execute(db);
  await sql`alter table contacts add column profile_confirmed_at timestamptz`.execute(db);
  await sql`alter table qualifier_settings add column confirm_profile boolean not null default false`.execute(
    db,
  );
  // Spanish joins English, Italian and Portuguese.
  await sql`alter table conversations drop constraint conversations_language_check`.execute(db);
  await sql`alter table conversations add constraint conversations_language_check
    check (language in ('en', 'it', 'pt', 'es'))`.execute(db);
  await sql`alter table qualifier_settings drop constraint qualifier_settings_default_language_check`.execute(
    db,
  );
  await sql`alter table qualifier_settings add constraint qualifier_settings_default_language_check
    check (default_language in ('en', 'it', 'pt', 'es'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update conversations set language = null where language = 'es'`.execute(db);
  await sql`update qualifier_settings set default_language = 'en' where default_language = 'es'`.execute(db);
  await sql`alter table qualifier_settings drop constraint qualifier_settings_default_language_check`.execute(
    db,
  );
  await sql`alter table qualifier_settings add constraint qualifier_settings_default_language_check
    check (default_language in ('en', 'it', 'pt'))`.execute(db);
  await sql`alter table conversations drop constraint conversations_language_check`.execute(db);
  await sql`alter table conversations add constraint conversations_language_check
    check (language in ('en', 'it', 'pt'))`.execute(db);
  await sql`alter table qualifier_settings drop column confirm_profile`.execute(db);
  await sql`alter table contacts drop column profile_confirmed_at`.execute(db);
  await sql`alter table contacts drop column company_none`.execute(db);
}
