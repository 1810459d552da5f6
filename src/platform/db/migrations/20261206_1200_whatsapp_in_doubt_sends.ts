import { type Kysely, sql } from 'kysely';
import * as previousIngest from './20261130_1200_whatsapp_ingest_function.js';

// Frozen in time: this file never imports application code (the previous ingest function's migration
// is part of the schema's history, and `down` restores it).

const SIGNATURE = 'whatsapp_ingest(uuid, uuid[], text[], bytea[], json, json, json)';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Set, committed, before a send's request leaves for Meta; cleared when the request certainly did not
  // reach Meta. Set on a row that is still pending without a wamid, it means "the outcome of a send is
  // unknown": the row is not sent again before Meta's status callbacks had their chance to name it.
  await sql`alter table messages add column send_started_at timestamptz`.execute(db);
  // Meta echoes a send's biz_opaque_callback_data (our ledger row's id) in that message's status callbacks.
  await sql`
    alter table whatsapp_status_events
      add column callback_data text check (length(callback_data) <= 512)`.execute(db);
  await sql`
    create index whatsapp_status_events_callback_idx on whatsapp_status_events (channel_id, callback_data)
    where callback_data is not null`.execute(db);

  // As in 20261130_1200, with each status's callback data stored too.
  await sql`
    create or replace function whatsapp_ingest(
      p_tenant uuid,
      p_channel_ids uuid[],
      p_request_ids text[],
      p_bodies bytea[],
      p_receipts json,
      p_statuses json,
      p_jobs json
    ) returns void
    language plpgsql set search_path = public, pg_temp
    as $$
    declare
      v_events_sequence regclass := pg_get_serial_sequence('whatsapp_webhook_events', 'id');
      v_event_ids bigint[];
      v_job_keys text[];
    begin
      perform set_config('app.tenant_id', p_tenant::text, true);

      v_event_ids := array(select nextval(v_events_sequence) from generate_series(1, cardinality(p_channel_ids)));
      insert into whatsapp_webhook_events (id, channel_id, request_id, body)
      overriding system value
      select v_event_ids[e.n], e.channel_id, e.request_id, e.body
      from unnest(p_channel_ids, p_request_ids, p_bodies) with ordinality as e(channel_id, request_id, body, n);

      with input as (
        select * from json_to_recordset(p_receipts) as r(
          event integer, channel_id uuid, provider_message_id text, conversation_key text, sent_at timestamptz,
          message jsonb, profile jsonb, job_key text)
      ), stored as (
        insert into whatsapp_inbound
          (channel_id, provider_message_id, conversation_key, event_id, sent_at, message, profile)
        select channel_id, provider_message_id, conversation_key, v_event_ids[event + 1], sent_at, message, profile
        from input
        order by channel_id, provider_message_id
        on conflict (channel_id, provider_message_id) do nothing
        returning channel_id, provider_message_id, conversation_key
      )
      select coalesce(array_agg(distinct i.job_key), '{}') into v_job_keys
      from stored s join input i using (channel_id, provider_message_id, conversation_key);

      with input as (
        select * from json_to_recordset(p_statuses) as s(
          event integer, channel_id uuid, provider_message_id text, status text, occurred_at timestamptz,
          recipient_id text, errors jsonb, callback_data text, job_key text)
      ), stored as (
        insert into whatsapp_status_events
          (channel_id, provider_message_id, status, occurred_at, recipient_id, errors, callback_data, event_id)
        select channel_id, provider_message_id, status, occurred_at, recipient_id, errors, callback_data,
               v_event_ids[event + 1]
        from input
        order by channel_id, provider_message_id, status
        on conflict (channel_id, provider_message_id, status) do nothing
        returning channel_id, provider_message_id, status
      )
      select v_job_keys || coalesce(array_agg(distinct i.job_key), '{}') into v_job_keys
      from stored s join input i using (channel_id, provider_message_id, status);

      if cardinality(v_job_keys) = 0 then
        return;
      end if;
      perform graphile_worker.add_jobs(array(
        select row(
          j.identifier,
          json_build_object('tenantId', app_current_tenant(), 'requestId', j.request_id, 'payload', j.payload),
          j.queue_name,
          clock_timestamp(),
          j.max_attempts,
          j.job_key,
          null,
          null
        )::graphile_worker.job_spec
        from json_to_recordset(p_jobs)
          as j(identifier text, request_id text, payload json, queue_name text, max_attempts integer, job_key text)
        where j.job_key = any(v_job_keys)
        order by j.job_key
      ));
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function ${sql.raw(SIGNATURE)}`.execute(db);
  await previousIngest.up(db);
  await sql`drop index whatsapp_status_events_callback_idx`.execute(db);
  await sql`alter table whatsapp_status_events drop column callback_data`.execute(db);
  await sql`alter table messages drop column send_started_at`.execute(db);
}
