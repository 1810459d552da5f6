import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'lead_sources',
  'lead_deliveries',
  'enrichment_settings',
  'enrichment_usage',
  'contact_enrichments',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Where leads come from besides conversations: a signed webhook (`webhook`) or a Phantombuster agent's
  // result webhook (`phantombuster`). The signing secret is sealed (it must be read back to verify an
  // HMAC); during a rotation the previous one stays valid until `previous_secret_expires_at`.
  await sql`
    create table lead_sources (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      kind text not null check (kind in ('webhook', 'phantombuster')),
      secret_sealed text,
      previous_secret_sealed text,
      previous_secret_expires_at timestamptz,
      phantombuster_agent_id text check (phantombuster_agent_id ~ '^[0-9]{1,30}$'),
      phantombuster_key_sealed text,
      default_country text check (default_country ~ '^[A-Z]{2}$'),
      disabled_at timestamptz,
      last_received_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id),
      unique (tenant_id, name),
      check (kind <> 'webhook' or secret_sealed is not null),
      check (kind <> 'phantombuster' or (phantombuster_agent_id is not null and phantombuster_key_sealed is not null))
    )`.execute(db);

  // One accepted delivery: stored before it is acknowledged, unique per (source, idempotency key), and
  // turned into a contact (or an import, for Phantombuster) by a job.
  await sql`
    create table lead_deliveries (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant(),
      source_id uuid not null,
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      body_sha256 bytea not null,
      payload jsonb not null,
      status text not null default 'received' check (status in ('received', 'processed', 'rejected')),
      contact_id uuid references contacts (id) on delete set null,
      import_id uuid,
      error text check (length(error) <= 500),
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      unique (tenant_id, id),
      unique (source_id, idempotency_key),
      foreign key (tenant_id, source_id) references lead_sources (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index lead_deliveries_contact_idx on lead_deliveries (contact_id) where contact_id is not null`.execute(
    db,
  );

  // Company enrichment from a lead's e-mail domain: on or off per workspace, with a monthly call budget.
  await sql`
    create table enrichment_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      enabled boolean not null default false,
      monthly_budget integer not null default 100 check (monthly_budget between 0 and 1000000),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table enrichment_usage (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      month date not null check (extract(day from month) = 1),
      calls integer not null default 0 check (calls >= 0),
      primary key (tenant_id, month)
    )`.execute(db);
  // What the provider said about a contact's company, with its provenance (provider, domain, when).
  await sql`
    create table contact_enrichments (
      tenant_id uuid not null default app_current_tenant(),
      contact_id uuid not null references contacts (id) on delete cascade,
      provider text not null check (length(provider) <= 40),
      domain text not null check (length(domain) <= 253),
      status text not null check (status in ('found', 'not_found')),
      fields jsonb not null default '{}',
      fetched_at timestamptz not null default now(),
      primary key (tenant_id, contact_id)
    )`.execute(db);

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_current_tenant())
        with check (tenant_id = app_current_tenant())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to leadline_app`.execute(db);
  }

  // Deliveries arrive before any tenant is known: just what verifying one needs, by source id.
  await sql`create policy owner_lead_source_lookup on lead_sources for select to current_user using (true)`.execute(
    db,
  );
  await sql`
    create function lead_source_for_webhook(p_source_id uuid)
    returns table (tenant_id uuid, kind text, secret_sealed text, previous_secret_sealed text,
                   previous_secret_expires_at timestamptz, phantombuster_agent_id text, disabled_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select s.tenant_id, s.kind, s.secret_sealed, s.previous_secret_sealed, s.previous_secret_expires_at,
             s.phantombuster_agent_id, s.disabled_at
      from lead_sources s where s.id = p_source_id
    $$`.execute(db);
  await sql`revoke all on function lead_source_for_webhook(uuid) from public`.execute(db);
  await sql`grant execute on function lead_source_for_webhook(uuid) to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function lead_source_for_webhook(uuid)`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
