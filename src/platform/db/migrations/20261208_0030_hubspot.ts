import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TABLES = ['hubspot_connections', 'hubspot_outbox', 'hubspot_records', 'hubspot_webhook_events'];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One HubSpot account per workspace. The private-app token is sealed (secret box, purpose
  // `hubspot-connection`) and never returned; `mapping` maps Leadline fields to HubSpot properties.
  await sql`
    create table hubspot_connections (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      token_sealed text not null,
      portal_id bigint not null,
      mapping jsonb not null,
      ownership jsonb not null default '{}',
      webhook_secret_sealed text,
      verified_at timestamptz not null,
      last_sync_at timestamptz,
      synced_total bigint not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  // The outbox: one pending row per record (a contact, or a deal for an accepted quote). Successive
  // changes of one record coalesce into its row (version + 1), so the worker always sends the latest
  // state once; a row is removed only if its version is still the one that was sent.
  await sql`
    create table hubspot_outbox (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      kind text not null check (kind in ('contact', 'deal')),
      ref_id uuid not null,
      version int not null default 1,
      attempts int not null default 0,
      last_error text check (length(last_error) <= 500),
      created_at timestamptz not null default clock_timestamp(),
      changed_at timestamptz not null default clock_timestamp(),
      unique (tenant_id, kind, ref_id)
    )`.execute(db);
  await sql`create index hubspot_outbox_pending_idx on hubspot_outbox (tenant_id, kind, id)`.execute(db);

  // What is in HubSpot: the object id HubSpot gave each synced record (contacts and deals).
  await sql`
    create table hubspot_records (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      kind text not null check (kind in ('contact', 'deal')),
      ref_id uuid not null,
      hubspot_id text not null check (hubspot_id ~ '^[0-9]{1,20}$'),
      synced_at timestamptz not null default now(),
      primary key (tenant_id, kind, ref_id)
    )`.execute(db);

  // Inbound HubSpot webhook deliveries, stored before HubSpot gets its 200 (signature checked first).
  await sql`
    create table hubspot_webhook_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      body jsonb not null,
      received_at timestamptz not null default now(),
      processed_at timestamptz
    )`.execute(db);

  for (const table of TABLES) {
    await sql`alter table ${sql.id(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.id(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.id(table)}
        using (tenant_id = app_current_tenant())
        with check (tenant_id = app_current_tenant())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.id(table)} to leadline_app`.execute(db);
  }

  // Writes the outbox rows of changed records and makes sure a drain job is queued for the workspace.
  // Called by the triggers below, so the outbox is written in the transaction of the change whatever code
  // path made it (the contacts service, the qualifier, a CSV import's set-based merge, a consent entry).
  // The drain job is keyed per workspace (one pending at a time) and runs on the workspace's HubSpot
  // queue (one at a time), which is what keeps one write in flight per record.
  await sql`
    create function hubspot_nudge(p_tenant uuid) returns void language plpgsql as $$
    begin
      perform graphile_worker.add_job(
        identifier => 'hubspot.drain-outbox',
        payload => json_build_object('tenantId', p_tenant, 'requestId', 'hubspot-outbox',
                                     'payload', json_build_object()),
        queue_name => 'hubspot:' || p_tenant::text,
        run_at => clock_timestamp() + interval '200 milliseconds',
        max_attempts => 25,
        job_key => 'hubspot-drain:' || p_tenant::text,
        job_key_mode => 'preserve_run_at');
    end $$`.execute(db);
  await sql`
    create function hubspot_outbox_touch(p_tenant uuid, p_kind text, p_ids uuid[]) returns void
    language plpgsql as $$
    begin
      if p_ids is null or cardinality(p_ids) = 0 then return; end if;
      if not exists (select 1 from hubspot_connections where tenant_id = p_tenant) then return; end if;
      insert into hubspot_outbox (tenant_id, kind, ref_id)
        select p_tenant, p_kind, id from (select distinct unnest(p_ids) as id) ids
        on conflict (tenant_id, kind, ref_id)
        do update set version = hubspot_outbox.version + 1, changed_at = clock_timestamp();
      perform hubspot_nudge(p_tenant);
    end $$`.execute(db);

  await sql`
    create function hubspot_contacts_changed() returns trigger language plpgsql as $$
    declare t uuid;
    begin
      for t in select distinct tenant_id from changed loop
        perform hubspot_outbox_touch(t, 'contact', (select array_agg(id) from changed where tenant_id = t));
      end loop;
      return null;
    end $$`.execute(db);
  for (const event of ['insert', 'update']) {
    await sql`
      create trigger ${sql.id(`hubspot_contacts_${event}`)} after ${sql.raw(event)} on contacts
      referencing new table as changed for each statement
      execute function hubspot_contacts_changed()`.execute(db);
  }

  await sql`
    create function hubspot_consent_changed() returns trigger language plpgsql as $$
    declare t uuid;
    begin
      for t in select distinct tenant_id from changed loop
        perform hubspot_outbox_touch(t, 'contact',
          (select array_agg(contact_id) from changed where tenant_id = t));
      end loop;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger hubspot_consent_insert after insert on consent_entries
    referencing new table as changed for each statement
    execute function hubspot_consent_changed()`.execute(db);

  // An accepted quote becomes a deal: the quote.accepted domain event is written in the acceptance's
  // transaction, and so is the deal's outbox row.
  await sql`
    create function hubspot_quote_accepted() returns trigger language plpgsql as $$
    begin
      perform hubspot_outbox_touch(new.tenant_id, 'deal', array[new.subject_id]);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger hubspot_quote_accepted after insert on domain_events
    for each row when (new.type = 'quote.accepted')
    execute function hubspot_quote_accepted()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger hubspot_quote_accepted on domain_events`.execute(db);
  await sql`drop trigger hubspot_consent_insert on consent_entries`.execute(db);
  await sql`drop trigger hubspot_contacts_insert on contacts`.execute(db);
  await sql`drop trigger hubspot_contacts_update on contacts`.execute(db);
  await sql`drop function hubspot_quote_accepted()`.execute(db);
  await sql`drop function hubspot_consent_changed()`.execute(db);
  await sql`drop function hubspot_contacts_changed()`.execute(db);
  await sql`drop function hubspot_outbox_touch(uuid, text, uuid[])`.execute(db);
  await sql`drop function hubspot_nudge(uuid)`.execute(db);
  for (const table of [...TABLES].reverse()) await sql`drop table ${sql.id(table)}`.execute(db);
}
