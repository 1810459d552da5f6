import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'twilio_connections',
  'twilio_numbers',
  'callback_settings',
  'callback_widgets',
  'business_hours',
  'callbacks',
  'callback_call_events',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // One Twilio account per workspace. Secrets sealed by the application's secret box; never returned.
  await sql`
    create table twilio_connections (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      account_sid text not null check (account_sid ~ '^AC[0-9a-f]{32}$'),
      auth_token_sealed text not null,
      api_key_sid text check (api_key_sid ~ '^SK[0-9a-f]{32}$'),
      api_key_secret_sealed text,
      friendly_name text,
      verified_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((api_key_sid is null) = (api_key_secret_sealed is null))
    )`.execute(db);

  await sql`
    create table twilio_numbers (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      phone_e164 text not null check (phone_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
      number_sid text check (number_sid ~ '^PN[0-9a-f]{32}$'),
      sms boolean not null default true,
      voice boolean not null default true,
      created_at timestamptz not null default now(),
      unique (tenant_id, phone_e164),
      unique (tenant_id, id)
    )`.execute(db);

  // Workspace-wide callback rules: which countries may be called, the retry policy, limits, notices.
  await sql`
    create table callback_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      allowed_countries text[] not null default '{}',
      retry_after_minutes integer not null default 10 check (retry_after_minutes between 1 and 1440),
      max_retries integer not null default 2 check (max_retries between 0 and 10),
      machine_detection boolean not null default false,
      per_number_per_day integer not null default 3 check (per_number_per_day between 1 and 100),
      per_widget_per_day integer not null default 200 check (per_widget_per_day between 1 and 100000),
      notify_email text,
      notify_sms_e164 text check (notify_sms_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table callback_widgets (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      public_key text not null unique check (public_key ~ '^wk_[A-Za-z0-9_-]{16,64}$'),
      name text not null check (length(name) between 1 and 100),
      allowed_origins text[] not null default '{}',
      default_country text not null default 'US' check (default_country ~ '^[A-Z]{2}$'),
      texts jsonb not null default '{}',
      colors jsonb not null default '{}',
      agent_numbers text[] not null default '{}',
      ring_strategy text not null default 'simultaneous' check (ring_strategy in ('simultaneous', 'sequential')),
      caller_number_id uuid,
      disabled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id),
      foreign key (tenant_id, caller_number_id) references twilio_numbers (tenant_id, id)
        on delete set null (caller_number_id)
    )`.execute(db);

  // The workspace's calendar (widget_id null) and per-widget overrides.
  await sql`
    create table business_hours (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      widget_id uuid,
      calendar jsonb not null,
      updated_at timestamptz not null default now(),
      foreign key (tenant_id, widget_id) references callback_widgets (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create unique index business_hours_workspace_idx on business_hours (tenant_id) where widget_id is null`.execute(
    db,
  );
  await sql`create unique index business_hours_widget_idx on business_hours (tenant_id, widget_id) where widget_id is not null`.execute(
    db,
  );

  await sql`
    create table callbacks (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      widget_id uuid not null,
      visitor_e164 text not null check (visitor_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
      visitor_name text check (length(visitor_name) <= 100),
      language text not null check (language in ('en', 'it', 'pt', 'es')),
      visitor_time_zone text check (length(visitor_time_zone) <= 64),
      status text not null check (status in ('requested', 'scheduled', 'calling_business', 'business_answered',
        'calling_visitor', 'connected', 'completed', 'business_no_answer', 'visitor_no_answer', 'busy', 'failed',
        'canceled')),
      attempts integer not null default 0,
      scheduled_for timestamptz,
      business_call_sids text[] not null default '{}',
      business_call_sid text,
      agent_index integer not null default 0,
      visitor_call_sid text,
      answered_by_number text,
      duration_seconds integer,
      outcome_detail text,
      request_id text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (tenant_id, id),
      foreign key (tenant_id, widget_id) references callback_widgets (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index callbacks_list_idx on callbacks (tenant_id, created_at desc, id desc)`.execute(db);
  // The daily limits per destination number and per widget count these rows (no shared counter row that
  // every request would have to lock).
  await sql`create index callbacks_destination_idx on callbacks (tenant_id, visitor_e164, created_at)`.execute(
    db,
  );
  await sql`create index callbacks_widget_day_idx on callbacks (tenant_id, widget_id, created_at)`.execute(
    db,
  );
  await sql`create index callbacks_status_idx on callbacks (tenant_id, status, created_at desc, id desc)`.execute(
    db,
  );

  // Each status callback once: Twilio retries with the same idempotency token, and a call's events
  // carry a SequenceNumber that orders them whatever order they arrive in.
  await sql`
    create table callback_call_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      callback_id uuid not null,
      call_sid text not null,
      leg text not null check (leg in ('business', 'visitor')),
      call_status text not null,
      sequence_number integer not null,
      duration_seconds integer,
      received_at timestamptz not null default now(),
      unique (tenant_id, call_sid, sequence_number),
      foreign key (tenant_id, callback_id) references callbacks (tenant_id, id) on delete cascade
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

  // The public endpoint knows only a widget's public key: this resolves it to its tenant (and nothing else).
  await sql`
    create function callback_widget_by_key(p_key text)
    returns table (tenant_id uuid, widget_id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select w.tenant_id, w.id from callback_widgets w where w.public_key = p_key and w.disabled_at is null
    $$`.execute(db);
  await sql`revoke all on function callback_widget_by_key(text) from public`.execute(db);
  await sql`grant execute on function callback_widget_by_key(text) to leadline_app`.execute(db);

  // ALTCHA replay store: a solved challenge is accepted once; rows go when the challenge would have expired.
  // Not tenant data (a challenge is issued before anyone knows which tenant will see it used).
  await sql`
    create table altcha_used_challenges (
      signature_hash bytea primary key,
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index altcha_used_challenges_expiry_idx on altcha_used_challenges (expires_at)`.execute(
    db,
  );
  await sql`grant select, insert, delete on altcha_used_challenges to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table altcha_used_challenges`.execute(db);
  await sql`drop function callback_widget_by_key(text)`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
