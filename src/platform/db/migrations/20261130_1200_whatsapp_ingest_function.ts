import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const SIGNATURE = 'whatsapp_ingest(uuid, uuid[], text[], bytea[], json, json, json)';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One tenant's batch of verified webhook deliveries in one statement (one round trip, its own
  // transaction when called in autocommit): raw events, receipts, statuses and their jobs. SECURITY
  // INVOKER, so row-level security applies to the caller; the tenant is set transaction-locally first, so a
  // pooled connection never keeps it. Task names, queue names, job keys and the job envelope's parts stay
  // in the application: it sends, per receipt and status, the key of the job its row would need and, in
  // p_jobs, each such job's spec; only the specs of rows actually inserted are added, with one add_jobs
  // call (one NOTIFY).
  //
  // p_receipts: [{event, channel_id, provider_message_id, conversation_key, sent_at, message, profile?, job_key}]
  // p_statuses: [{event, channel_id, provider_message_id, status, occurred_at, recipient_id?, errors?, job_key}]
  // p_jobs:     [{identifier, request_id, payload, queue_name?, max_attempts?, job_key}]
  // `event` is the 0-based position of the delivery that carried the row in the three event arrays.
  await sql`
    create function whatsapp_ingest(
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

      -- Ids are drawn before the insert, so each receipt and status is tied to its delivery by position,
      -- not by the order in which RETURNING happens to yield rows.
      v_event_ids := array(select nextval(v_events_sequence) from generate_series(1, cardinality(p_channel_ids)));
      insert into whatsapp_webhook_events (id, channel_id, request_id, body)
      overriding system value
      select v_event_ids[e.n], e.channel_id, e.request_id, e.body
      from unnest(p_channel_ids, p_request_ids, p_bodies) with ordinality as e(channel_id, request_id, body, n);

      -- Rows in a fixed order (and job keys below too): concurrent batches that touch the same receipt or
      -- job lock them in the same order and cannot deadlock each other. A repeated wamid or status is a
      -- no-op, and only what was inserted asks for a job.
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
          recipient_id text, errors jsonb, job_key text)
      ), stored as (
        insert into whatsapp_status_events
          (channel_id, provider_message_id, status, occurred_at, recipient_id, errors, event_id)
        select channel_id, provider_message_id, status, occurred_at, recipient_id, errors, v_event_ids[event + 1]
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
      -- The envelope of the application's enqueue (platform/jobs/enqueue.ts); clock_timestamp() keeps jobs
      -- of one queue in enqueue order (graphile-worker orders a queue by priority and run_at only).
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
  await sql`revoke all on function ${sql.raw(SIGNATURE)} from public`.execute(db);
  await sql`grant execute on function ${sql.raw(SIGNATURE)} to leadline_app`.execute(db);
  // The function draws event ids itself (nextval), which an identity column's implicit use does not need.
  await sql`
    do $$ begin
      execute format('grant usage on sequence %s to leadline_app',
        pg_get_serial_sequence('whatsapp_webhook_events', 'id'));
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$ begin
      execute format('revoke usage on sequence %s from leadline_app',
        pg_get_serial_sequence('whatsapp_webhook_events', 'id'));
    end $$`.execute(db);
  await sql`drop function ${sql.raw(SIGNATURE)}`.execute(db);
}
