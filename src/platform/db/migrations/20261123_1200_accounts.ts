import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['memberships', 'invitations', 'api_keys'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Identities are global (a user may belong to several tenants); what they may do in a tenant lives in
  // the tenant-owned `memberships`. Emails are stored canonical (NFKC, lower case): the login key.
  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null unique check (email = lower(email) and length(email) <= 254),
      display_name text check (length(display_name) <= 200),
      password_hash text not null,
      email_verified_at timestamptz,
      totp_secret text,
      totp_enabled_at timestamptz,
      totp_last_step bigint,
      password_changed_at timestamptz not null default now(),
      disabled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table sessions (
      id uuid primary key default gen_random_uuid(),
      token_hash bytea not null unique,
      user_id uuid not null references users (id) on delete cascade,
      active_tenant_id uuid references tenants (id) on delete set null,
      mfa_pending boolean not null default false,
      authenticated_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      ip text,
      user_agent text check (length(user_agent) <= 512),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index sessions_user_idx on sessions (user_id) where revoked_at is null`.execute(db);

  await sql`
    create table user_tokens (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      purpose text not null check (purpose in ('verify_email', 'reset_password')),
      token_hash bytea not null unique,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table recovery_codes (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      code_hash bytea not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      unique (user_id, code_hash)
    )`.execute(db);

  await sql`
    create table mail_outbox (
      id uuid primary key default gen_random_uuid(),
      to_address text not null,
      subject text not null,
      text_body text not null,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table memberships (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      role text not null check (role in ('owner', 'admin', 'agent')),
      created_at timestamptz not null default now(),
      primary key (tenant_id, user_id)
    )`.execute(db);
  await sql`create index memberships_user_idx on memberships (user_id)`.execute(db);

  await sql`alter table tenants add column require_two_factor boolean not null default false`.execute(db);

  await sql`
    create table invitations (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      email text not null check (email = lower(email)),
      role text not null check (role in ('owner', 'admin', 'agent')),
      token_hash bytea not null unique,
      invited_by uuid references users (id) on delete set null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);

  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      public_id text not null unique,
      secret_hash bytea not null,
      scopes text[] not null,
      expires_at timestamptz,
      revoked_at timestamptz,
      replaced_by uuid references api_keys (id) on delete set null,
      created_by uuid references users (id) on delete set null,
      last_used_at timestamptz,
      last_used_ip text,
      created_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_current_tenant())
        with check (tenant_id = app_current_tenant())`.execute(db);
  }

  // Append-only: the application may add and read entries, never change or remove them. Entries without
  // a tenant (a failed login for an unknown address) are written but readable only by operators.
  await sql`
    create table audit_log (
      id bigint generated always as identity primary key,
      tenant_id uuid references tenants (id) on delete cascade,
      action text not null,
      actor_user_id uuid,
      actor_api_key_id uuid,
      ip text,
      user_agent text,
      request_id text,
      detail jsonb not null default '{}',
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index audit_log_tenant_idx on audit_log (tenant_id, id desc)`.execute(db);
  await sql`alter table audit_log enable row level security`.execute(db);
  await sql`alter table audit_log force row level security`.execute(db);
  await sql`create policy tenant_read on audit_log for select using (tenant_id = app_current_tenant())`.execute(
    db,
  );
  await sql`
    create policy tenant_append on audit_log for insert
      with check (tenant_id is null or tenant_id = app_current_tenant())`.execute(db);

  // rate-limiter-flexible's PostgreSQL store (one table, a key prefix per tier).
  await sql`
    create table rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )`.execute(db);

  // The only cross-tenant reads: each returns just what authentication needs, for one secret-derived key.
  // They run as the owner (security definer). Forced RLS applies to a non-superuser owner too, so the
  // owner, and only the owner, gets a read policy on the tables they read.
  for (const table of ['tenants', 'memberships', 'api_keys', 'invitations']) {
    await sql`create policy owner_auth_lookup on ${sql.table(table)} for select to current_user using (true)`.execute(
      db,
    );
  }
  await sql`
    create function auth_user_tenants(p_user_id uuid)
    returns table (tenant_id uuid, tenant_name text, role text, require_two_factor boolean)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select m.tenant_id, t.name, m.role, t.require_two_factor
      from memberships m join tenants t on t.id = m.tenant_id
      where m.user_id = p_user_id
      order by t.name, t.id
    $$`.execute(db);
  await sql`
    create function auth_api_key(p_public_id text)
    returns table (id uuid, tenant_id uuid, secret_hash bytea, scopes text[], expires_at timestamptz,
                   revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select k.id, k.tenant_id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at
      from api_keys k where k.public_id = p_public_id
    $$`.execute(db);
  await sql`
    create function auth_invitation(p_token_hash bytea)
    returns table (id uuid, tenant_id uuid, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select i.id, i.tenant_id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
      from invitations i where i.token_hash = p_token_hash
    $$`.execute(db);
  for (const fn of ['auth_user_tenants(uuid)', 'auth_api_key(text)', 'auth_invitation(bytea)']) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to leadline_app`).execute(db);
  }

  await sql`
    grant select, insert, update, delete
    on users, sessions, user_tokens, recovery_codes, mail_outbox, memberships, invitations, api_keys, rate_limits
    to leadline_app`.execute(db);
  await sql`grant select, insert on audit_log to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const fn of ['auth_invitation(bytea)', 'auth_api_key(text)', 'auth_user_tenants(uuid)']) {
    await sql.raw(`drop function ${fn}`).execute(db);
  }
  await sql`drop policy owner_auth_lookup on tenants`.execute(db);
  for (const table of [
    'rate_limits',
    'audit_log',
    'api_keys',
    'invitations',
    'memberships',
    'mail_outbox',
    'recovery_codes',
    'user_tokens',
    'sessions',
    'users',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`alter table tenants drop column require_two_factor`.execute(db);
}
