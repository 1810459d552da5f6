import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'whatsapp_channels',
  'whatsapp_webhook_events',
  'whatsapp_inbound',
  'whatsapp_status_events',
  'conversations',
  'conversation_ownership_events',
  'messages',
  'message_media',
  'qualifier_settings',
  'domain_events',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Secrets are sealed (AES-256-GCM with a key id) by the application; the verify token is only ever
  // compared, so only its SHA-256 is kept.
  await sql`
    create table whatsapp_channels (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      phone_number_id text not null check (phone_number_id ~ '^[0-9]{1,32}$'),
      display_phone_number text not null check (length(display_phone_number) between 1 and 32),
      waba_id text not null check (waba_id ~ '^[0-9]{1,32}$'),
      access_token_sealed text not null,
      app_secret_sealed text not null,
      previous_app_secret_sealed text,
      previous_app_secret_expires_at timestamptz,
      verify_token_hash bytea not null,
      messages_per_second integer not null default 80 check (messages_per_second between 1 and 1000),
      mark_as_read boolean not null default true,
      disabled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  // One enabled channel per Meta phone number across the installation: a webhook must reach one tenant.
  await sql`
    create unique index whatsapp_channels_phone_number_idx on whatsapp_channels (phone_number_id)
    where disabled_at is null`.execute(db);

  // Verified raw deliveries, byte for byte, as Meta signed them.
  await sql`
    create table whatsapp_webhook_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      channel_id uuid not null,
      request_id text not null,
      body bytea not null,
      received_at timestamptz not null default now(),
      foreign key (tenant_id, channel_id) references whatsapp_channels (tenant_id, id) on delete cascade
    )`.execute(db);

  // The durable receipt of each inbound message: written and committed before the 200. The database-unique
  // (channel, wamid) is what makes a repeated delivery a no-op. Processing happens later, per conversation.
  await sql`
    create table whatsapp_inbound (
      channel_id uuid not null,
      provider_message_id text not null check (length(provider_message_id) between 1 and 256),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_key text not null,
      event_id bigint not null references whatsapp_webhook_events (id) on delete cascade,
      sent_at timestamptz not null,
      message jsonb not null,
      profile jsonb,
      processed_at timestamptz,
      received_at timestamptz not null default now(),
      primary key (channel_id, provider_message_id),
      foreign key (tenant_id, channel_id) references whatsapp_channels (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index whatsapp_inbound_pending_idx on whatsapp_inbound (channel_id, conversation_key, sent_at)
    where processed_at is null`.execute(db);

  // Status callbacks arrive out of order and may precede our own record of the send; they are kept here
  // and applied (never backwards) once the message is known.
  await sql`
    create table whatsapp_status_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      channel_id uuid not null,
      provider_message_id text not null check (length(provider_message_id) between 1 and 256),
      status text not null check (status in ('sent', 'delivered', 'read', 'failed', 'played')),
      occurred_at timestamptz not null,
      recipient_id text,
      errors jsonb,
      event_id bigint not null references whatsapp_webhook_events (id) on delete cascade,
      applied_at timestamptz,
      unique (channel_id, provider_message_id, status),
      foreign key (tenant_id, channel_id) references whatsapp_channels (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index whatsapp_status_events_pending_idx on whatsapp_status_events (channel_id, provider_message_id)
    where applied_at is null`.execute(db);

  await sql`alter table contacts add column wa_id text check (wa_id ~ '^[0-9]{6,20}$')`.execute(db);
  await sql`alter table contacts add column first_name text check (length(first_name) <= 100)`.execute(db);
  await sql`alter table contacts add column last_name text check (length(last_name) <= 100)`.execute(db);
  await sql`alter table contacts add column company text check (length(company) <= 200)`.execute(db);
  await sql`alter table contacts add column email text check (length(email) <= 254)`.execute(db);
  await sql`alter table contacts add column profile_completed_at timestamptz`.execute(db);

  await sql`
    create table conversations (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      channel_id uuid not null,
      contact_id uuid not null,
      ownership text not null default 'bot' check (ownership in ('bot', 'human', 'paused')),
      paused_until timestamptz,
      language text check (language in ('en', 'it', 'pt')),
      agent_state jsonb not null default '{}',
      last_inbound_at timestamptz,
      last_message_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id),
      unique (tenant_id, channel_id, contact_id),
      check ((ownership = 'paused') = (paused_until is not null)),
      foreign key (tenant_id, channel_id) references whatsapp_channels (tenant_id, id) on delete cascade,
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index conversations_activity_idx on conversations (tenant_id, last_message_at desc, id desc)`.execute(
    db,
  );

  await sql`
    create table conversation_ownership_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_id uuid not null,
      from_ownership text not null,
      to_ownership text not null check (to_ownership in ('bot', 'human', 'paused')),
      paused_until timestamptz,
      actor_type text not null check (actor_type in ('customer', 'user', 'agent', 'system')),
      actor_user_id uuid,
      reason text not null check (length(reason) between 1 and 500),
      created_at timestamptz not null default now(),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade
    )`.execute(db);

  // Inbound messages and the send ledger in one table. An outbound row is written (with its idempotency
  // key) before the send; provider_message_id set means Meta accepted it and it is never sent again.
  await sql`
    create table messages (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_id uuid not null,
      channel_id uuid not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      author text not null check (author in ('customer', 'bot', 'operator', 'system')),
      author_user_id uuid,
      provider_message_id text check (length(provider_message_id) between 1 and 256),
      type text not null check (length(type) between 1 and 64),
      text text,
      content jsonb not null default '{}',
      sent_at timestamptz not null,
      status text check (status in ('pending', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed')),
      status_at timestamptz,
      error_code integer,
      error_title text,
      idempotency_key text check (length(idempotency_key) between 1 and 200),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id),
      unique (channel_id, provider_message_id),
      unique (tenant_id, idempotency_key),
      check ((direction = 'outbound') = (status is not null)),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index messages_thread_idx on messages (tenant_id, conversation_id, sent_at, id)`.execute(
    db,
  );

  // The order a status may move in; failed ranks below delivered because a delivered message cannot fail.
  await sql`
    create function message_status_rank(status text) returns integer
    language sql immutable parallel safe
    as $$ select case status
      when 'pending' then 0 when 'accepted' then 1 when 'sent' then 2 when 'failed' then 3
      when 'delivered' then 4 when 'read' then 5 when 'played' then 6 end $$`.execute(db);

  await sql`
    create table message_media (
      message_id uuid primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      provider_media_id text not null check (length(provider_media_id) between 1 and 256),
      mime_type text,
      sha256 text,
      file_name text,
      size_bytes bigint,
      blob_key text,
      state text not null default 'pending' check (state in ('pending', 'stored', 'failed')),
      failure text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      foreign key (tenant_id, message_id) references messages (tenant_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table qualifier_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      default_language text not null default 'en' check (default_language in ('en', 'it', 'pt')),
      required_fields text[] not null default '{first_name,last_name,company,email}'
        check (required_fields <@ '{first_name,last_name,company,email}' and cardinality(required_fields) > 0),
      prompts jsonb not null default '{}',
      updated_at timestamptz not null default now()
    )`.execute(db);

  // Facts other parts of the product react to (CRM sync reads profile.completed), written in the same
  // transaction as the change they describe.
  await sql`
    create table domain_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      type text not null check (length(type) between 1 and 100),
      subject_id uuid not null,
      payload jsonb not null default '{}',
      occurred_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index domain_events_type_idx on domain_events (tenant_id, type, id)`.execute(db);

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_current_tenant())
        with check (tenant_id = app_current_tenant())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to leadline_app`.execute(db);
  }
  // Webhooks arrive before any tenant is known: this returns just what verifying one needs, by channel id.
  await sql`create policy owner_webhook_lookup on whatsapp_channels for select to current_user using (true)`.execute(
    db,
  );
  await sql`
    create function whatsapp_webhook_channel(p_channel_id uuid)
    returns table (tenant_id uuid, phone_number_id text, app_secret_sealed text, previous_app_secret_sealed text,
                   previous_app_secret_expires_at timestamptz, verify_token_hash bytea, disabled_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select c.tenant_id, c.phone_number_id, c.app_secret_sealed, c.previous_app_secret_sealed, c.previous_app_secret_expires_at,
             c.verify_token_hash, c.disabled_at
      from whatsapp_channels c where c.id = p_channel_id
    $$`.execute(db);
  await sql`revoke all on function whatsapp_webhook_channel(uuid) from public`.execute(db);
  await sql`grant execute on function whatsapp_webhook_channel(uuid) to leadline_app`.execute(db);
  await sql`grant execute on function message_status_rank(text) to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function whatsapp_webhook_channel(uuid)`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    if (table === 'whatsapp_channels') continue;
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`drop table whatsapp_channels`.execute(db);
  await sql`drop function message_status_rank(text)`.execute(db);
  for (const column of ['profile_completed_at', 'email', 'company', 'last_name', 'first_name', 'wa_id']) {
    await sql`alter table contacts drop column ${sql.ref(column)}`.execute(db);
  }
}
