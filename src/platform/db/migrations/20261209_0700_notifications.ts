import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'notifications',
  'notification_preferences',
  'member_presence',
  'inbox_settings',
] as const;

const KINDS = sql.raw(
  `'handoff', 'assigned', 'lead_qualified', 'quote_awaiting_approval', 'missed_callback', 'mention', 'lemlist_reply', 'automation'`,
);

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per recipient: each member reads (and marks read) their own. Deduplicated per user by `dedupe_key`
  // (a producer that runs twice, e.g. a retried job, records one notification).
  await sql`
    create table notifications (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      user_id uuid not null,
      kind text not null check (kind in (${KINDS})),
      subject_type text not null check (subject_type in ('conversation', 'contact', 'quote', 'callback', 'campaign')),
      subject_id uuid not null,
      title text not null check (char_length(title) between 1 and 200),
      dedupe_key text not null check (char_length(dedupe_key) between 1 and 200),
      -- How it is delivered, as the member's preferences said when it was recorded.
      in_app boolean not null default true,
      browser boolean not null default true,
      read_at timestamptz,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, user_id) references memberships (tenant_id, user_id) on delete cascade,
      unique (tenant_id, user_id, dedupe_key)
    )`.execute(db);
  await sql`create index notifications_user_page_idx on notifications (tenant_id, user_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index notifications_user_unread_idx on notifications (tenant_id, user_id) where read_at is null and in_app`.execute(
    db,
  );
  await sql`create index notifications_subject_idx on notifications (tenant_id, subject_id)`.execute(db);

  // A member's choices per kind; no row: in-app and browser both on (the browser still asks permission).
  await sql`
    create table notification_preferences (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      user_id uuid not null,
      kind text not null check (kind in (${KINDS})),
      in_app boolean not null,
      browser boolean not null,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, user_id, kind),
      foreign key (tenant_id, user_id) references memberships (tenant_id, user_id) on delete cascade
    )`.execute(db);

  // Who has the dashboard open: the live hub refreshes `online_until` while a member's socket is open.
  await sql`
    create table member_presence (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      user_id uuid not null,
      online_until timestamptz not null,
      primary key (tenant_id, user_id),
      foreign key (tenant_id, user_id) references memberships (tenant_id, user_id) on delete cascade
    )`.execute(db);

  // Per workspace: auto-assignment on or off, and the round robin's position (locked while choosing).
  await sql`
    create table inbox_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      auto_assign boolean not null default false,
      last_assigned_user_id uuid,
      updated_at timestamptz not null default now()
    )`.execute(db);

  // Snooze: out of the open inbox until this time, or until the customer writes.
  await sql`alter table conversations add column snoozed_until timestamptz`.execute(db);

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
  await sql`alter table conversations drop column snoozed_until`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
