import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['report_conversation_facts', 'report_member_facts', 'report_rollup_state'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per conversation: the moments the reports measure, refreshed by the rollup job from messages,
  // ownership events, contacts and quotes. Ids and times only: no personal data.
  await sql`
    create table report_conversation_facts (
      conversation_id uuid primary key references conversations (id) on delete cascade,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      channel_kind text not null,
      started_at timestamptz not null,
      first_inbound_at timestamptz,
      first_bot_reply_at timestamptz,
      first_bot_reply_business_s integer check (first_bot_reply_business_s >= 0),
      handed_over_at timestamptz,
      first_human_reply_at timestamptz,
      first_human_reply_user_id uuid,
      first_human_reply_business_s integer check (first_human_reply_business_s >= 0),
      qualified_at timestamptz,
      quoted_at timestamptz,
      accepted_at timestamptz,
      refreshed_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create index report_conversation_facts_started_idx
      on report_conversation_facts (tenant_id, started_at, conversation_id)`.execute(db);

  // Per conversation and member: messages written and each reply's wait (seconds since the customer's
  // message it answered), for the per-member table.
  await sql`
    create table report_member_facts (
      conversation_id uuid not null references conversations (id) on delete cascade,
      user_id uuid not null,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      first_message_at timestamptz not null,
      messages integer not null check (messages > 0),
      response_seconds integer[] not null default '{}',
      primary key (conversation_id, user_id)
    )`.execute(db);
  await sql`
    create index report_member_facts_first_idx on report_member_facts (tenant_id, first_message_at)`.execute(
    db,
  );

  // How far the rollup has read each workspace's activity.
  await sql`
    create table report_rollup_state (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      watermark timestamptz not null
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
}
