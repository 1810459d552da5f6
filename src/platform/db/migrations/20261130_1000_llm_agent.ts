import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['llm_settings', 'llm_calls', 'llm_budget_windows'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Providers are a small ordered list edited as a whole; each entry's API key is sealed by the
  // application (AES-256-GCM with a key id) before it is stored in the jsonb.
  await sql`
    create table llm_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      enabled boolean not null default false,
      providers jsonb not null default '[]' check (jsonb_typeof(providers) = 'array'),
      persona text not null default '' check (length(persona) <= 8000),
      knowledge text not null default '' check (length(knowledge) <= 50000),
      requests_per_minute integer check (requests_per_minute > 0),
      requests_per_day integer check (requests_per_day > 0),
      tokens_per_minute integer check (tokens_per_minute > 0),
      tokens_per_day integer check (tokens_per_day > 0),
      monthly_spend_cap_micros bigint check (monthly_spend_cap_micros > 0),
      history_tokens integer not null default 1500 check (history_tokens between 100 and 32000),
      max_output_tokens integer not null default 600 check (max_output_tokens between 64 and 8000),
      failures_before_handoff integer not null default 3 check (failures_before_handoff between 1 and 20),
      updated_at timestamptz not null default now()
    )`.execute(db);

  // One row per provider attempt: what the usage API sums and what spending caps are checked against.
  await sql`
    create table llm_calls (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_id uuid,
      provider_kind text not null check (provider_kind in ('openai', 'anthropic')),
      model text not null check (length(model) between 1 and 200),
      input_tokens integer not null default 0 check (input_tokens >= 0),
      output_tokens integer not null default 0 check (output_tokens >= 0),
      cost_micros bigint not null default 0 check (cost_micros >= 0),
      latency_ms integer not null check (latency_ms >= 0),
      outcome text not null check (length(outcome) between 1 and 40),
      fallback boolean not null default false,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index llm_calls_created_idx on llm_calls (tenant_id, created_at)`.execute(db);
  await sql`create index llm_calls_conversation_idx on llm_calls (tenant_id, conversation_id)`.execute(db);

  // Budget counters shared by every process: one row per tenant, window kind and window start, bumped
  // with a conditional upsert so two workers cannot both take the last request of a window.
  await sql`
    create table llm_budget_windows (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      kind text not null check (kind in ('minute', 'day', 'month')),
      starts_at timestamptz not null,
      requests integer not null default 0,
      tokens bigint not null default 0,
      cost_micros bigint not null default 0,
      exhausted_notified_at timestamptz,
      primary key (tenant_id, kind, starts_at)
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
