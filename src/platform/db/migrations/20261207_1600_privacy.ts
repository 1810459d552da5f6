import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['retention_policies', 'privacy_erasures', 'privacy_suppressions'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per workspace that changed a default; null days = kept until erased.
  await sql`
    create table retention_policies (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      messages_days integer check (messages_days between 1 and 36500),
      media_days integer check (media_days between 1 and 36500),
      webhook_events_days integer check (webhook_events_days between 1 and 36500),
      call_records_days integer check (call_records_days between 1 and 36500),
      llm_calls_days integer check (llm_calls_days between 1 and 36500),
      closed_conversations_days integer check (closed_conversations_days between 1 and 36500),
      audit_pseudonymise_days integer check (audit_pseudonymise_days between 1 and 36500),
      keep_accepted_quotes boolean not null default true,
      updated_at timestamptz not null default now()
    )`.execute(db);

  // An erasure request and its progress. contact_id has no foreign key: the contact is gone when it is done.
  await sql`
    create table privacy_erasures (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      contact_id uuid not null,
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      progress jsonb not null default '{}',
      verified_clean boolean,
      failure text,
      requested_by_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    )`.execute(db);
  await sql`create index privacy_erasures_tenant_idx on privacy_erasures (tenant_id, created_at desc, id desc)`.execute(
    db,
  );

  // Who must not be imported or messaged again: only a keyed hash of the number or address.
  await sql`
    create table privacy_suppressions (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      kind text not null check (kind in ('phone', 'email')),
      digest bytea not null check (length(digest) = 32),
      created_at timestamptz not null default now(),
      primary key (tenant_id, kind, digest)
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

  // The daily retention job visits every workspace: ids only.
  await sql`
    create function privacy_tenant_ids() returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id from tenants order by id $$`.execute(db);

  // The audit log stays append-only for the application; these two definer functions are the only changes,
  // each limited to the caller's tenant. The owner gets an update policy for them (forced RLS).
  await sql`create policy owner_privacy_update on audit_log for update to current_user using (true) with check (true)`.execute(
    db,
  );
  // Pseudonymises up to p_limit entries older than p_before: the network data (IP, user agent) goes.
  await sql`
    create function audit_log_pseudonymise(p_before timestamptz, p_limit integer) returns integer
    language sql volatile security definer set search_path = public, pg_temp
    as $$
      with batch as (
        select id from audit_log
        where tenant_id = app_current_tenant() and created_at < p_before
          and (ip is not null or user_agent is not null)
        order by id limit p_limit
      ), done as (
        update audit_log a set ip = null, user_agent = null from batch where a.id = batch.id returning 1
      )
      select count(*)::integer from done
    $$`.execute(db);
  // Erasure: entries whose detail mentions one of the terms (the person's id, number, address) keep their
  // action and time, and lose the detail.
  await sql`
    create function audit_log_erase_mentions(p_terms text[]) returns integer
    language sql volatile security definer set search_path = public, pg_temp
    as $$
      with done as (
        update audit_log set detail = '{"erased": true}'::jsonb
        where tenant_id = app_current_tenant()
          and exists (select 1 from unnest(p_terms) t where position(lower(t) in lower(detail::text)) > 0)
        returning 1
      )
      select count(*)::integer from done
    $$`.execute(db);
  for (const fn of [
    'privacy_tenant_ids()',
    'audit_log_pseudonymise(timestamptz, integer)',
    'audit_log_erase_mentions(text[])',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to leadline_app`).execute(db);
  }
  // Retention removes messages by age: this index keeps each batch's scan short.
  await sql`create index messages_tenant_created_idx on messages (tenant_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index messages_tenant_created_idx`.execute(db);
  await sql`drop function audit_log_erase_mentions(text[])`.execute(db);
  await sql`drop function audit_log_pseudonymise(timestamptz, integer)`.execute(db);
  await sql`drop function privacy_tenant_ids()`.execute(db);
  await sql`drop policy owner_privacy_update on audit_log`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
