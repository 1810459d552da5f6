import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The per-workspace kill switch (ADR 0042): a row means the bot, campaigns and automations are stopped
  // until a member lifts it. No row: they run (subject to the plan).
  await sql`
    create table automation_halts (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      halted_at timestamptz not null default now(),
      halted_by_user_id uuid references users (id) on delete set null,
      reason text check (char_length(reason) <= 500)
    )`.execute(db);
  await sql`alter table automation_halts enable row level security`.execute(db);
  await sql`alter table automation_halts force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on automation_halts
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on automation_halts to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table automation_halts`.execute(db);
}
