import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'labels',
  'conversation_labels',
  'conversation_notes',
  'conversation_reads',
  'canned_responses',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Substring search on names, e-mails, companies and phone digits. pg_trgm is a trusted extension
  // (PostgreSQL 13+): the database owner running migrations may create it without being superuser.
  await sql`create extension if not exists pg_trgm`.execute(db);

  await sql`
    alter table conversations
      add column status text not null default 'open' check (status in ('open', 'closed')),
      add column assignee_user_id uuid,
      add constraint conversations_assignee_member_fk foreign key (tenant_id, assignee_user_id)
        references memberships (tenant_id, user_id) on delete set null (assignee_user_id)`.execute(db);
  // The inbox order: last message, or creation before any message, in milliseconds (what a cursor and a
  // JavaScript Date hold). Stored so one b-tree serves the keyset; both time-zone conversions are
  // immutable, unlike date_trunc on timestamptz.
  await sql`
    alter table conversations add column activity_at timestamptz generated always as (
      date_trunc('milliseconds', coalesce(last_message_at, created_at) at time zone 'UTC') at time zone 'UTC'
    ) stored`.execute(db);
  await sql`drop index conversations_activity_idx`.execute(db);
  await sql`create index conversations_activity_idx on conversations (tenant_id, activity_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create index conversations_status_activity_idx on conversations (tenant_id, status, activity_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create index conversations_assignee_activity_idx
      on conversations (tenant_id, assignee_user_id, activity_at desc, id desc)
      where assignee_user_id is not null`.execute(db);
  await sql`create index conversations_contact_idx on conversations (tenant_id, contact_id)`.execute(db);

  // Unread counts compare our own receive time (not Meta's, which may lag) with a user's read mark.
  await sql`
    create index messages_inbound_received_idx on messages (tenant_id, conversation_id, created_at)
    where direction = 'inbound'`.execute(db);

  // One lower-case haystack per contact: names, e-mail, company and the phone's digits (no +).
  await sql`
    alter table contacts add column search_text text generated always as (lower(
      coalesce(display_name, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
      coalesce(email, '') || ' ' || coalesce(company, '') || ' ' || substr(phone_e164, 2)
    )) stored`.execute(db);
  await sql`create index contacts_search_idx on contacts using gin (search_text gin_trgm_ops)`.execute(db);
  // A copy on each conversation, so a search walking the inbox order tests its rows without a join (whose
  // plan PostgreSQL would guess from the term, badly). Triggers keep it equal to the contact's.
  await sql`alter table conversations add column search_text text not null default ''`.execute(db);
  await sql`
    update conversations c set search_text = ct.search_text
    from contacts ct where ct.id = c.contact_id`.execute(db);
  await sql`
    create function conversations_copy_search_text() returns trigger
    language plpgsql set search_path = public, pg_temp
    as $$ begin
      new.search_text := coalesce((select search_text from contacts where id = new.contact_id), '');
      return new;
    end $$`.execute(db);
  await sql`
    create trigger conversations_search_text before insert or update of contact_id on conversations
    for each row execute function conversations_copy_search_text()`.execute(db);
  await sql`
    create function contacts_share_search_text() returns trigger
    language plpgsql set search_path = public, pg_temp
    as $$ begin
      update conversations set search_text = new.search_text
      where contact_id = new.id and tenant_id = new.tenant_id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger contacts_search_text after update on contacts
    for each row when (old.search_text is distinct from new.search_text)
    execute function contacts_share_search_text()`.execute(db);

  // Under row-level security PostgreSQL evaluates a non-leakproof operator such as LIKE only after the
  // policy, so it can never drive an index scan for the application role. This function runs the trigram
  // search as the owner (whose permissive lookup policy lifts the barrier; a superuser owner bypasses it)
  // and limits rows to the caller's tenant itself. It returns contact ids only.
  await sql`create policy owner_inbox_search on contacts for select to current_user using (true)`.execute(db);
  await sql`
    create function inbox_contact_search(p_pattern text, p_limit integer)
    returns setof uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select c.id from contacts c
      where c.tenant_id = app_current_tenant() and c.search_text like p_pattern
      limit p_limit
    $$`.execute(db);
  await sql`revoke all on function inbox_contact_search(text, integer) from public`.execute(db);
  await sql`grant execute on function inbox_contact_search(text, integer) to leadline_app`.execute(db);

  await sql`
    create table labels (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 50),
      color text not null check (color ~ '^#[0-9a-f]{6}$'),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create unique index labels_name_idx on labels (tenant_id, lower(name))`.execute(db);

  await sql`
    create table conversation_labels (
      conversation_id uuid not null,
      label_id uuid not null,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (conversation_id, label_id),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade,
      foreign key (tenant_id, label_id) references labels (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index conversation_labels_label_idx on conversation_labels (tenant_id, label_id)`.execute(
    db,
  );

  // Private notes live apart from messages: nothing that sends or lists messages can ever reach them.
  await sql`
    create table conversation_notes (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_id uuid not null,
      author_user_id uuid references users (id) on delete set null,
      text text not null check (length(text) between 1 and 4096),
      created_at timestamptz not null default now(),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index conversation_notes_thread_idx on conversation_notes (tenant_id, conversation_id, created_at, id)`.execute(
    db,
  );

  await sql`
    create table conversation_reads (
      conversation_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      read_at timestamptz not null,
      primary key (conversation_id, user_id),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table canned_responses (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      shortcut text not null check (shortcut ~ '^[a-z0-9_-]{1,32}$'),
      text text not null check (length(text) between 1 and 4096),
      created_by_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, shortcut)
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
  await sql`drop function inbox_contact_search(text, integer)`.execute(db);
  await sql`drop trigger contacts_search_text on contacts`.execute(db);
  await sql`drop function contacts_share_search_text()`.execute(db);
  await sql`drop trigger conversations_search_text on conversations`.execute(db);
  await sql`drop function conversations_copy_search_text()`.execute(db);
  await sql`alter table conversations drop column search_text`.execute(db);
  await sql`drop policy owner_inbox_search on contacts`.execute(db);
  await sql`drop index contacts_search_idx`.execute(db);
  await sql`alter table contacts drop column search_text`.execute(db);
  await sql`drop index messages_inbound_received_idx`.execute(db);
  await sql`drop index conversations_contact_idx`.execute(db);
  await sql`drop index conversations_assignee_activity_idx`.execute(db);
  await sql`drop index conversations_status_activity_idx`.execute(db);
  await sql`drop index conversations_activity_idx`.execute(db);
  await sql`
    alter table conversations
      drop column activity_at,
      drop constraint conversations_assignee_member_fk,
      drop column assignee_user_id,
      drop column status`.execute(db);
  await sql`create index conversations_activity_idx on conversations (tenant_id, last_message_at desc, id desc)`.execute(
    db,
  );
  await sql`drop extension if exists pg_trgm`.execute(db);
}
