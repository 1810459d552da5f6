import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['pipeline_stages', 'custom_field_definitions', 'contact_events'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // A workspace's lead pipeline, ordered by position. `auto_event` names the event that moves a contact
  // here automatically (at most one stage per event); `outcome` marks the closing stages.
  await sql`
    create table pipeline_stages (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 50),
      position integer not null check (position >= 0),
      outcome text not null default 'open' check (outcome in ('open', 'won', 'lost')),
      auto_event text check (auto_event in ('qualified', 'quote_sent', 'quote_accepted')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create unique index pipeline_stages_name_idx on pipeline_stages (tenant_id, lower(name))`.execute(
    db,
  );
  await sql`
    create unique index pipeline_stages_event_idx on pipeline_stages (tenant_id, auto_event)
      where auto_event is not null`.execute(db);

  // Typed custom fields; values live in contacts.custom_fields keyed by the stable `key`.
  await sql`
    create table custom_field_definitions (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      key text not null check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
      label text not null check (length(label) between 1 and 80),
      type text not null check (type in ('text', 'number', 'date', 'select', 'boolean')),
      options jsonb not null default '[]' check (jsonb_typeof(options) = 'array'),
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, key)
    )`.execute(db);

  await sql`
    alter table contacts
      add column stage_id uuid,
      add column owner_user_id uuid,
      add column source text check (source in ('whatsapp', 'sms', 'widget', 'import', 'api', 'campaign')),
      add column custom_fields jsonb not null default '{}' check (jsonb_typeof(custom_fields) = 'object'),
      add constraint contacts_stage_fk foreign key (tenant_id, stage_id)
        references pipeline_stages (tenant_id, id) on delete set null (stage_id),
      add constraint contacts_owner_member_fk foreign key (tenant_id, owner_user_id)
        references memberships (tenant_id, user_id) on delete set null (owner_user_id)`.execute(db);
  await sql`update contacts set source = 'whatsapp' where wa_id is not null`.execute(db);
  await sql`create index contacts_list_idx on contacts (tenant_id, created_at desc, id desc)`.execute(db);
  await sql`create index contacts_stage_idx on contacts (tenant_id, stage_id)`.execute(db);
  await sql`create index contacts_custom_fields_idx on contacts using gin (custom_fields jsonb_path_ops)`.execute(
    db,
  );

  // What happened to a contact outside conversations: pipeline moves, owner changes (one timeline source).
  await sql`
    create table contact_events (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      contact_id uuid not null,
      kind text not null check (kind in ('stage_changed', 'owner_changed')),
      detail jsonb not null default '{}',
      actor_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index contact_events_contact_idx on contact_events (tenant_id, contact_id, created_at desc, id desc)`.execute(
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

  // The consent ledger: append-only (the application role may insert and read, never change or delete;
  // a contact's erasure removes its entries through the foreign key).
  await sql`
    create table consent_entries (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      contact_id uuid not null,
      channel text not null check (channel in ('whatsapp', 'sms', 'email_marketing')),
      state text not null check (state in ('opted_in', 'opted_out')),
      source text not null check (source in ('customer', 'operator', 'import', 'api', 'widget', 'campaign')),
      shown_text text check (length(shown_text) <= 2000),
      evidence jsonb not null default '{}' check (jsonb_typeof(evidence) = 'object'),
      actor_user_id uuid references users (id) on delete set null,
      recorded_at timestamptz not null default now(),
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index consent_entries_contact_idx
      on consent_entries (tenant_id, contact_id, channel, recorded_at desc, id desc)`.execute(db);
  await sql`alter table consent_entries enable row level security`.execute(db);
  await sql`alter table consent_entries force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on consent_entries
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert on consent_entries to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table consent_entries`.execute(db);
  await sql`drop table contact_events`.execute(db);
  await sql`drop index contacts_custom_fields_idx`.execute(db);
  await sql`drop index contacts_stage_idx`.execute(db);
  await sql`drop index contacts_list_idx`.execute(db);
  await sql`
    alter table contacts
      drop constraint contacts_owner_member_fk,
      drop constraint contacts_stage_fk,
      drop column custom_fields,
      drop column source,
      drop column owner_user_id,
      drop column stage_id`.execute(db);
  await sql`drop table custom_field_definitions`.execute(db);
  await sql`drop table pipeline_stages`.execute(db);
}
