import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['campaigns', 'campaign_recipients'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // A bulk send to a segment's audience over one channel (WhatsApp templates, SMS) or a push into Lemlist.
  // `segment_id` has no foreign key: the audience is frozen into campaign_recipients at launch, so a
  // segment deleted afterwards changes nothing (a draft whose segment is gone refuses to launch).
  await sql`
    create table campaigns (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 200),
      channel_kind text not null check (channel_kind in ('whatsapp', 'sms', 'lemlist')),
      channel_id uuid,
      segment_id uuid,
      status text not null default 'draft'
        check (status in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
      paused_reason text check (length(paused_reason) <= 500),
      scheduled_at timestamptz,
      reply_handling text not null default 'bot' check (reply_handling in ('bot', 'human')),
      content jsonb not null default '{"variants": []}',
      quiet_hours_start smallint default 1260 check (quiet_hours_start between 0 and 1439),
      quiet_hours_end smallint default 540 check (quiet_hours_end between 0 and 1439),
      created_by_user_id uuid references users (id) on delete set null,
      launched_at timestamptz,
      completed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((channel_kind = 'lemlist') = (channel_id is null)),
      check ((quiet_hours_start is null) = (quiet_hours_end is null)),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create index campaigns_list_idx on campaigns (tenant_id, created_at desc, id desc)`.execute(db);
  await sql`create index campaigns_active_idx on campaigns (status) where status in ('scheduled', 'running')`.execute(
    db,
  );

  // One row per contact of the audience, written once at launch. `not_before` holds a recipient back
  // (quiet hours in its local time, a back-off after Meta's 130429, the channel's daily tier).
  await sql`
    create table campaign_recipients (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant(),
      campaign_id uuid not null,
      contact_id uuid not null references contacts (id) on delete cascade,
      variant text not null default 'A' check (variant in ('A', 'B')),
      status text not null default 'queued'
        check (status in ('queued', 'skipped', 'sent', 'delivered', 'read', 'replied', 'failed', 'opted_out', 'cancelled')),
      skip_reason text check (length(skip_reason) <= 100),
      error_code text check (length(error_code) <= 100),
      not_before timestamptz not null default now(),
      attempts integer not null default 0,
      message_id uuid references messages (id) on delete set null,
      conversation_id uuid references conversations (id) on delete set null,
      sent_at timestamptz,
      delivered_at timestamptz,
      read_at timestamptz,
      replied_at timestamptz,
      failed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (campaign_id, contact_id),
      foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
    )`.execute(db);
  // The dispatcher's pick: due queued recipients of one campaign, in order.
  await sql`
    create index campaign_recipients_due_idx on campaign_recipients (campaign_id, not_before, id)
      where status = 'queued'`.execute(db);
  await sql`create index campaign_recipients_list_idx on campaign_recipients (campaign_id, created_at, id)`.execute(
    db,
  );
  await sql`create index campaign_recipients_message_idx on campaign_recipients (message_id)
      where message_id is not null`.execute(db);
  await sql`create index campaign_recipients_contact_idx on campaign_recipients (contact_id)`.execute(db);
  // A customer's reply finds the recipient its conversation belongs to.
  await sql`create index campaign_recipients_conversation_idx on campaign_recipients (conversation_id)
      where conversation_id is not null`.execute(db);
  // Unique recipients per channel over a rolling 24 hours (Meta's messaging tier).
  await sql`create index campaign_recipients_sent_idx on campaign_recipients (campaign_id, sent_at)
      where sent_at is not null`.execute(db);

  // Meta's messaging tier: unique recipients per rolling 24 hours the number may start conversations with.
  // Null: unlimited. New numbers start at 250.
  await sql`
    alter table whatsapp_channels add column messaging_tier integer default 250
      check (messaging_tier in (250, 2000, 10000, 100000))`.execute(db);

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
  await sql`alter table whatsapp_channels drop column messaging_tier`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
