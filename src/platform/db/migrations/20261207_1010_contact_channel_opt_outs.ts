import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Per-channel opt-outs (STOP / START keywords, ADR 0027). The contact row carries the current state so
  // the agent's turn and the composer read it with the contact they load anyway; the ledger below keeps
  // every change with its source, for the consent ledger to adopt.
  await sql`alter table contacts add column opted_out_channels text[] not null default '{}'
    check (opted_out_channels <@ array['whatsapp', 'sms']::text[])`.execute(db);
  await sql`
    create table contact_channel_opt_outs (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      contact_id uuid not null,
      channel_kind text not null check (channel_kind in ('whatsapp', 'sms')),
      state text not null check (state in ('opted_out', 'opted_in')),
      source text not null check (source in ('keyword', 'operator', 'api', 'import')),
      keyword text check (length(keyword) <= 40),
      message_id uuid,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index contact_channel_opt_outs_contact_idx
    on contact_channel_opt_outs (tenant_id, contact_id, channel_kind, id desc)`.execute(db);
  await sql`alter table contact_channel_opt_outs enable row level security`.execute(db);
  await sql`alter table contact_channel_opt_outs force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on contact_channel_opt_outs
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on contact_channel_opt_outs to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table contact_channel_opt_outs`.execute(db);
  await sql`alter table contacts drop column opted_out_channels`.execute(db);
}
