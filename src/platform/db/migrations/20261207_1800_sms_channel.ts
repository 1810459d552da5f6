import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // A conversation's channel_id is the provider's channel row of its kind (ADR 0027): a WhatsApp channel,
  // or the Twilio number an SMS conversation came in on. The single foreign key to whatsapp_channels
  // becomes one per kind, each on a stored generated column that is null for the other kind.
  await sql`
    do $$
    declare fk text;
    begin
      select conname into fk from pg_constraint
        where conrelid = 'conversations'::regclass and confrelid = 'whatsapp_channels'::regclass
          and contype = 'f';
      execute format('alter table conversations drop constraint %I', fk);
    end $$`.execute(db);
  await sql`
    alter table conversations
      add column whatsapp_channel_id uuid generated always as
        (case when channel_kind = 'whatsapp' then channel_id end) stored,
      add column sms_number_id uuid generated always as
        (case when channel_kind = 'sms' then channel_id end) stored,
      add constraint conversations_whatsapp_channel_fkey foreign key (tenant_id, whatsapp_channel_id)
        references whatsapp_channels (tenant_id, id) on delete cascade,
      add constraint conversations_sms_number_fkey foreign key (tenant_id, sms_number_id)
        references twilio_numbers (tenant_id, id) on delete cascade`.execute(db);

  // The durable receipt of each inbound SMS: written and committed before Twilio gets its 200. MessageSid
  // is unique per message, so a retried webhook (same I-Twilio-Idempotency-Token) is a no-op.
  await sql`
    create table sms_inbound (
      number_id uuid not null,
      message_sid text not null check (message_sid ~ '^(SM|MM)[0-9a-f]{32}$'),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_key text not null check (conversation_key ~ '^[1-9][0-9]{6,14}$'),
      from_e164 text not null check (from_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
      body text not null check (length(body) <= 1600),
      params jsonb not null,
      idempotency_token text check (length(idempotency_token) <= 200),
      request_id text not null,
      processed_at timestamptz,
      received_at timestamptz not null default now(),
      primary key (number_id, message_sid),
      foreign key (tenant_id, number_id) references twilio_numbers (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index sms_inbound_pending_idx on sms_inbound (number_id, conversation_key, received_at)
    where processed_at is null`.execute(db);
  await sql`alter table sms_inbound enable row level security`.execute(db);
  await sql`alter table sms_inbound force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on sms_inbound
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on sms_inbound to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sms_inbound`.execute(db);
  await sql`delete from conversations where channel_kind = 'sms'`.execute(db);
  await sql`
    alter table conversations
      drop constraint conversations_sms_number_fkey,
      drop constraint conversations_whatsapp_channel_fkey,
      drop column sms_number_id,
      drop column whatsapp_channel_id,
      add foreign key (tenant_id, channel_id) references whatsapp_channels (tenant_id, id) on delete cascade`.execute(
    db,
  );
}
