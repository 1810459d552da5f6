import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['workspace_plans', 'workspace_usage_months', 'retention_runs'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // A workspace's plan, set by the instance operator. No row: active, no limits. A null limit: unlimited.
  await sql`
    create table workspace_plans (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      state text not null default 'active' check (state in ('trial', 'active', 'suspended')),
      trial_ends_at timestamptz,
      suspended_reason text check (char_length(suspended_reason) <= 500),
      max_members integer check (max_members >= 0),
      max_channels integer check (max_channels >= 0),
      max_conversations_per_month integer check (max_conversations_per_month >= 0),
      max_llm_spend_micros_per_month bigint check (max_llm_spend_micros_per_month >= 0),
      max_campaign_recipients_per_month integer check (max_campaign_recipients_per_month >= 0),
      updated_at timestamptz not null default now(),
      check ((state = 'trial') = (trial_ends_at is not null))
    )`.execute(db);

  // Counters of what has no table of its own to count from (campaign recipients), per UTC month.
  await sql`
    create table workspace_usage_months (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      month date not null check (extract(day from month) = 1),
      campaign_recipients integer not null default 0 check (campaign_recipients >= 0),
      primary key (tenant_id, month)
    )`.execute(db);

  // The last retention run of each workspace and what it removed (counts only), for the privacy page.
  await sql`
    create table retention_runs (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      ran_at timestamptz not null,
      removed jsonb not null default '{}'
    )`.execute(db);

  // "Conversations started this month" is counted by this index.
  await sql`create index conversations_tenant_created_idx on conversations (tenant_id, created_at)`.execute(
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
  await sql`drop index conversations_tenant_created_idx`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
