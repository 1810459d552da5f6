import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['automation_rules', 'automation_runs'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // A rule: trigger, condition (a segment) and actions, validated by the application (ADR 0042). The
  // segment is named by id without a foreign key: a deleted segment fails the rule's runs visibly.
  await sql`
    create table automation_rules (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (char_length(name) between 1 and 120),
      enabled boolean not null default false,
      trigger jsonb not null,
      segment_id uuid,
      actions jsonb not null,
      daily_cap integer not null default 100 check (daily_cap between 1 and 100000),
      -- Windows that closed before the rule was enabled are never acted on (no backlog blast).
      enabled_at timestamptz,
      -- When the sweep looks at the rule next (null while disabled).
      next_run_at timestamptz,
      created_by_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create index automation_rules_due_idx on automation_rules (next_run_at) where enabled`.execute(
    db,
  );
  await sql`create index automation_rules_tenant_idx on automation_rules (tenant_id, created_at desc, id desc)`.execute(
    db,
  );

  // One row per rule, contact and window: the unique key is what makes a rule act at most once per window.
  await sql`
    create table automation_runs (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      rule_id uuid not null,
      contact_id uuid not null,
      window_key text not null check (char_length(window_key) <= 200),
      status text not null default 'pending'
        check (status in ('pending', 'done', 'skipped', 'failed')),
      skip_reason text,
      outcomes jsonb not null default '[]',
      error text check (char_length(error) <= 500),
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      foreign key (tenant_id, rule_id) references automation_rules (tenant_id, id) on delete cascade,
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
      unique (tenant_id, rule_id, contact_id, window_key)
    )`.execute(db);
  await sql`create index automation_runs_history_idx on automation_runs (tenant_id, rule_id, created_at desc, id desc)`.execute(
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

  // The every-minute sweep finds the workspaces with a rule due (ids only) before it opens each one.
  await sql`
    create function automation_due_tenant_ids(p_now timestamptz, p_limit integer) returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select tenant_id from automation_rules
      where enabled and next_run_at <= p_now
      group by tenant_id order by min(next_run_at) limit p_limit
    $$`.execute(db);
  await sql`revoke all on function automation_due_tenant_ids(timestamptz, integer) from public`.execute(db);
  await sql`grant execute on function automation_due_tenant_ids(timestamptz, integer) to leadline_app`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function automation_due_tenant_ids(timestamptz, integer)`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
