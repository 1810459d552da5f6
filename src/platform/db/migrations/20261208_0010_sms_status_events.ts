import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Twilio status callbacks of SMS that Leadline cannot match yet (the ledger row the StatusCallback
  // names is not committed or not known): stored once verified, so Twilio's callback is answered 2xx and
  // never lost, and applied forward-only when the row appears; unmatched ones expire (ADR 0027).
  await sql`
    create table sms_status_events (
      id bigint generated always as identity primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      number_id uuid not null,
      message_id uuid not null,
      message_sid text not null check (message_sid ~ '^(SM|MM)[0-9a-f]{32}$'),
      status text not null check (status ~ '^[a-z-]{1,32}$'),
      error_code integer,
      idempotency_token text check (length(idempotency_token) <= 200),
      request_id text not null,
      received_at timestamptz not null default now(),
      unique (number_id, message_sid, status),
      foreign key (tenant_id, number_id) references twilio_numbers (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index sms_status_events_number_idx on sms_status_events (number_id, received_at)`.execute(
    db,
  );
  await sql`alter table sms_status_events enable row level security`.execute(db);
  await sql`alter table sms_status_events force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on sms_status_events
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on sms_status_events to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sms_status_events`.execute(db);
}
