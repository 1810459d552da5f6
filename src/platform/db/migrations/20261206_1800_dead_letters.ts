import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per graphile-worker job that exhausted its attempts. tenant_id is null for system tasks (no
  // tenant): `tenant_id = app_current_tenant()` is never true for them, so no tenant ever sees one.
  await sql`
    create table dead_letters (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid default app_current_tenant() references tenants (id) on delete cascade,
      job_id bigint not null unique,
      task text not null,
      request_id text,
      payload jsonb not null,
      attempts integer not null,
      max_attempts integer not null,
      last_error text,
      failed_at timestamptz not null,
      status text not null default 'dead' check (status in ('dead', 'replayed')),
      replayed_at timestamptz,
      replay_job_id bigint,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index dead_letters_tenant_idx on dead_letters (tenant_id, failed_at desc, id desc)`.execute(
    db,
  );
  await sql`alter table dead_letters enable row level security`.execute(db);
  await sql`alter table dead_letters force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on dead_letters
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  // Instance operators: the owner role (the one running this migration, as the CLI and the sweep function
  // do) sees every row, system ones included, as with `owner_auth_lookup` on the account tables.
  await sql`create policy operator_access on dead_letters to current_user using (true) with check (true)`.execute(
    db,
  );
  // Only what a replay changes: a tenant cannot rewrite what failed, nor move a row.
  await sql`grant select, delete, update (status, replayed_at, replay_job_id) on dead_letters to leadline_app`.execute(
    db,
  );

  // Moves every exhausted job (attempts used up, not locked) out of graphile-worker's table into
  // dead_letters, in one statement: the job row stays until the dead letter commits with its deletion, so a
  // crash at any point loses nothing and records nothing twice. plpgsql, as graphile-worker's schema is
  // installed after our migrations. SECURITY DEFINER: the sweep sees jobs and writes dead letters of every
  // tenant, which the application role's row-level security would forbid.
  await sql`
    create function dead_letters_sweep() returns table (dead_task text, dead_tenant_id uuid)
    language plpgsql security definer set search_path = public, pg_temp
    as $$
    begin
      return query
      with dead as (
        delete from graphile_worker._private_jobs j
        using graphile_worker._private_tasks t
        where t.id = j.task_id and j.attempts >= j.max_attempts and j.locked_at is null
        returning j.id, t.identifier, j.payload, j.attempts, j.max_attempts, j.last_error, j.updated_at
      )
      insert into dead_letters
        (tenant_id, job_id, task, request_id, payload, attempts, max_attempts, last_error, failed_at)
      select tn.id, d.id, d.identifier, d.payload ->> 'requestId',
             coalesce((d.payload -> 'payload')::jsonb, 'null'::jsonb), d.attempts, d.max_attempts, d.last_error, d.updated_at
      from dead d
      -- A malformed envelope or a deleted tenant must not stop the sweep: such a job is kept with no tenant.
      left join tenants tn on tn.id = case
        when (d.payload ->> 'tenantId') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        then (d.payload ->> 'tenantId')::uuid end
      on conflict (job_id) do nothing
      returning dead_letters.task, dead_letters.tenant_id;
    end
    $$`.execute(db);
  await sql`revoke all on function dead_letters_sweep() from public`.execute(db);
  await sql`grant execute on function dead_letters_sweep() to leadline_app`.execute(db);

  // The size of the whole queue (every tenant and the system), for the metrics gauge: a number, no rows.
  await sql`
    create function dead_letters_waiting() returns bigint
    language sql stable security definer set search_path = public, pg_temp
    as $$ select count(*) from dead_letters where status = 'dead' $$`.execute(db);
  await sql`revoke all on function dead_letters_waiting() from public`.execute(db);
  await sql`grant execute on function dead_letters_waiting() to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function dead_letters_waiting()`.execute(db);
  await sql`drop function dead_letters_sweep()`.execute(db);
  await sql`drop table dead_letters`.execute(db);
}
