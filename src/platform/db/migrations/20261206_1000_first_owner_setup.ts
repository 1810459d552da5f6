import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const ORIGINAL_LOOKUP = sql`
  create or replace function auth_invitation(p_token_hash bytea)
  returns table (id uuid, tenant_id uuid, email text, role text, expires_at timestamptz,
                 accepted_at timestamptz, revoked_at timestamptz)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select i.id, i.tenant_id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
    from invitations i where i.token_hash = p_token_hash
  $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  // The development setup link (an owner invitation printed at a start with no owner) is for the very
  // first owner only: once any owner exists anywhere, it opens nothing.
  await sql`alter table invitations add column first_owner_setup boolean not null default false`.execute(db);
  await sql`
    create or replace function auth_invitation(p_token_hash bytea)
    returns table (id uuid, tenant_id uuid, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select i.id, i.tenant_id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
      from invitations i
      where i.token_hash = p_token_hash
        and not (i.first_owner_setup and exists (select 1 from memberships m where m.role = 'owner'))
    $$`.execute(db);
  // Cross-tenant by nature (memberships are tenant rows): whether the installation has any owner yet.
  await sql`
    create function auth_any_owner_exists()
    returns boolean
    language sql stable security definer set search_path = public, pg_temp
    as $$ select exists (select 1 from memberships where role = 'owner') $$`.execute(db);
  await sql`revoke all on function auth_any_owner_exists() from public`.execute(db);
  await sql`grant execute on function auth_any_owner_exists() to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function auth_any_owner_exists()`.execute(db);
  await ORIGINAL_LOOKUP.execute(db);
  await sql`alter table invitations drop column first_owner_setup`.execute(db);
}
