import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The latest re-encryption pass of each workspace (one row, rewritten by each rotation): what the
  // Settings page shows as the job's progress. Counts and positions only, no personal data.
  await sql`
    create table data_key_reencryptions (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      target_version integer not null check (target_version >= 1),
      requested_by_user_id uuid references users (id) on delete set null,
      state text not null default 'running' check (state in ('running', 'waiting', 'done')),
      position text not null default 'start' check (char_length(position) <= 100),
      rows_rewritten bigint not null default 0 check (rows_rewritten >= 0),
      blobs_rewritten bigint not null default 0 check (blobs_rewritten >= 0),
      retired_versions integer[] not null default '{}',
      started_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`alter table data_key_reencryptions enable row level security`.execute(db);
  await sql`alter table data_key_reencryptions force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on data_key_reencryptions
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on data_key_reencryptions to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table data_key_reencryptions`.execute(db);
}
