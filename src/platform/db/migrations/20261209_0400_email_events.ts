import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['email_event_settings', 'email_events'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // A workspace's e-mail event endpoints and its Lemlist connection. The URL credentials are sealed (not
  // hashed) because the settings page shows the URLs to paste into Postmark and Lemlist again.
  await sql`
    create table email_event_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      postmark_user text not null check (postmark_user ~ '^[a-z0-9-]{8,40}$'),
      postmark_secret_sealed text not null,
      lemlist_secret_sealed text not null,
      lemlist_api_key_sealed text,
      lemlist_connected_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((lemlist_api_key_sealed is null) = (lemlist_connected_at is null))
    )`.execute(db);

  // Every verified Postmark or Lemlist event, stored before the 2xx under a unique key per provider
  // (Postmark: MessageID and RecordType; Lemlist: the activity id), so a retry is a no-op. An event naming
  // a contact or campaign Leadline does not know yet stays with applied_at null and is applied when it
  // appears (or expires); applied ones are the contact's e-mail timeline.
  await sql`
    create table email_events (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      provider text not null check (provider in ('postmark', 'lemlist')),
      event_key text not null check (length(event_key) between 1 and 300),
      event_type text not null check (event_type ~ '^[A-Za-z]{1,40}$'),
      email text check (length(email) <= 254),
      provider_campaign_id text check (length(provider_campaign_id) <= 100),
      occurred_at timestamptz not null,
      detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object'),
      contact_id uuid,
      campaign_id uuid,
      received_at timestamptz not null default now(),
      applied_at timestamptz,
      unique (tenant_id, provider, event_key),
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index email_events_contact_idx on email_events (tenant_id, contact_id, occurred_at desc)
      where contact_id is not null`.execute(db);
  await sql`
    create index email_events_waiting_idx on email_events (tenant_id, received_at)
      where applied_at is null`.execute(db);

  // A mail provider's hard bounce withdraws e-mail consent too (recorded as its own source).
  await sql`alter table consent_entries drop constraint consent_entries_source_check`.execute(db);
  await sql`
    alter table consent_entries add constraint consent_entries_source_check
      check (source in ('customer', 'operator', 'import', 'api', 'widget', 'campaign', 'email_provider'))`.execute(
    db,
  );

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_current_tenant())
        with check (tenant_id = app_current_tenant())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to leadline_app`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from consent_entries where source = 'email_provider'`.execute(db);
  await sql`alter table consent_entries drop constraint consent_entries_source_check`.execute(db);
  await sql`
    alter table consent_entries add constraint consent_entries_source_check
      check (source in ('customer', 'operator', 'import', 'api', 'widget', 'campaign'))`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
