import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    begin
      if not exists (select from pg_roles where rolname = 'leadline_app') then
        create role leadline_app nologin nosuperuser nobypassrls;
      end if;
    exception when duplicate_object then null;
    end $$`.execute(db);

  // NULL (no rows visible) when no tenant is set or after SET LOCAL ended ('' then).
  await sql`
    create function app_current_tenant() returns uuid
    language sql stable parallel safe
    as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$`.execute(db);

  await sql`
    create table tenants (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`alter table tenants enable row level security`.execute(db);
  await sql`alter table tenants force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on tenants
      using (id = app_current_tenant())
      with check (id = app_current_tenant())`.execute(db);

  await sql`
    create table contacts (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      phone_e164 text not null check (phone_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
      display_name text check (length(display_name) <= 200),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id),
      unique (tenant_id, phone_e164)
    )`.execute(db);
  await sql`alter table contacts enable row level security`.execute(db);
  await sql`alter table contacts force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on contacts
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);

  await sql`
    create table worker_heartbeats (
      worker_id text primary key,
      hostname text not null,
      pid integer not null,
      last_seen_at timestamptz not null default now()
    )`.execute(db);

  await sql`grant select, insert, update, delete on tenants, contacts, worker_heartbeats to leadline_app`.execute(
    db,
  );
  await sql`grant execute on function app_current_tenant() to leadline_app`.execute(db);
  // Readiness compares applied migrations with the code's list.
  await sql`grant select on kysely_migration to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`revoke select on kysely_migration from leadline_app`.execute(db);
  await sql`drop table worker_heartbeats`.execute(db);
  await sql`drop table contacts`.execute(db);
  await sql`drop table tenants`.execute(db);
  await sql`drop function app_current_tenant()`.execute(db);
  // The role is cluster-wide (other databases may use it), so it stays.
}
