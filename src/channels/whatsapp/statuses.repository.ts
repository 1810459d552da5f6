import { sql } from 'kysely';
import { publishOutboundOutcomes } from '../../conversations/message-outcomes.js';
import type { MessageStatus } from '../../conversations/messages.table.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { publishInboxEvents } from '../../realtime/inbox-events.js';

/**
 * Applies a channel's unapplied status callbacks whose wamid names one of our outbound messages (all of
 * them, or one wamid's). Per message the highest-ranked status wins and the message's status only moves
 * forward (`message_status_rank`: pending < accepted < sent < failed < delivered < read < played), so
 * out-of-order and repeated callbacks are harmless; `failed` keeps Meta's errors[0].code and title.
 * Events for wamids we do not know stay unapplied until the send stores that wamid.
 */
export async function applyPendingStatuses(
  trx: TenantTransaction,
  channelId: string,
  onlyWamid?: string,
): Promise<{ applied: number; moved: number }> {
  const wamidFilter = onlyWamid === undefined ? sql`` : sql`and e.provider_message_id = ${onlyWamid}`;
  // Row locks on the events serialise this with a concurrent apply (the send task and this task).
  const { rows } = await sql<{
    applied: string;
    moved: { id: string; conversationId: string; status: MessageStatus; errorCode: number | null }[];
  }>`
    with pending as (
      select e.id, e.provider_message_id, e.status, e.occurred_at, e.errors
      from whatsapp_status_events e
      join messages m
        on m.channel_id = e.channel_id and m.provider_message_id = e.provider_message_id
       and m.direction = 'outbound'
      where e.channel_id = ${channelId} and e.applied_at is null ${wamidFilter}
      for update of e
    ),
    best as (
      select distinct on (provider_message_id) provider_message_id, status, occurred_at, errors
      from pending
      order by provider_message_id, message_status_rank(status) desc, occurred_at desc
    ),
    moved as (
      update messages m
      set status = b.status,
          status_at = b.occurred_at,
          error_code = case when b.status = 'failed' and (b.errors -> 0 ->> 'code') ~ '^-?[0-9]{1,9}$'
                            then (b.errors -> 0 ->> 'code')::integer
                            when b.status = 'failed' then null else m.error_code end,
          error_title = case when b.status = 'failed' then left(b.errors -> 0 ->> 'title', 500)
                             else m.error_title end,
          updated_at = now()
      from best b
      where m.channel_id = ${channelId} and m.provider_message_id = b.provider_message_id
        and m.direction = 'outbound'
        and message_status_rank(b.status) > message_status_rank(m.status)
      returning m.id, m.conversation_id, m.status, m.error_code
    ),
    applied as (
      update whatsapp_status_events e set applied_at = now()
      from pending p where e.id = p.id
      returning e.id
    )
    select (select count(*) from applied)::text as applied,
           (select coalesce(json_agg(json_build_object('id', id, 'conversationId', conversation_id,
                                                       'status', status, 'errorCode', error_code)), '[]')
              from moved) as moved
  `.execute(trx);
  const row = rows[0];
  const moved = row?.moved ?? [];
  await publishInboxEvents(
    trx,
    moved.map((message) => ({
      type: 'message.updated' as const,
      conversationId: message.conversationId,
      messageId: message.id,
    })),
  );
  await publishOutboundOutcomes(
    trx,
    moved.map((message) => ({ messageId: message.id, status: message.status, errorCode: message.errorCode })),
  );
  return { applied: Number(row?.applied ?? 0), moved: moved.length };
}

/**
 * Gives the wamid of a status callback to the outbound row its `biz_opaque_callback_data` names, when
 * that row has none (a send whose answer was lost: ADR 0018), so the callback then applies to it as
 * usual (forward only). A pending row becomes `accepted`. A wamid already stored on another message is
 * left alone (a unique wamid per channel), and so is a callback naming no message of this channel.
 */
export async function attachReportedWamids(trx: TenantTransaction, channelId: string): Promise<number> {
  const { rows } = await sql<{ id: string; conversationId: string }>`
    with reported as (
      select distinct on (e.callback_data) e.callback_data::uuid as message_id, e.provider_message_id
      from whatsapp_status_events e
      where e.channel_id = ${channelId} and e.applied_at is null and e.callback_data is not null
        and e.callback_data ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      order by e.callback_data, e.id
    )
    update messages m
    set provider_message_id = r.provider_message_id,
        status = case when m.status = 'pending' then 'accepted' else m.status end,
        status_at = case when m.status = 'pending' then now() else m.status_at end,
        updated_at = now()
    from reported r
    where m.id = r.message_id and m.channel_id = ${channelId} and m.direction = 'outbound'
      and m.provider_message_id is null
      and not exists (
        select 1 from messages o
        where o.channel_id = ${channelId} and o.provider_message_id = r.provider_message_id)
    returning m.id, m.conversation_id as "conversationId"`.execute(trx);
  await publishInboxEvents(
    trx,
    rows.map((message) => ({
      type: 'message.updated' as const,
      conversationId: message.conversationId,
      messageId: message.id,
    })),
  );
  return rows.length;
}

/** Whether unapplied events of the channel younger than `withinMs` remain (their send may be committing). */
export async function hasRecentUnappliedStatuses(
  trx: TenantTransaction,
  channelId: string,
  withinMs: number,
): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select exists (
      select 1 from whatsapp_status_events e
      join whatsapp_webhook_events w on w.id = e.event_id
      where e.channel_id = ${channelId} and e.applied_at is null
        and w.received_at > now() - make_interval(secs => ${withinMs / 1000})
    ) as found`.execute(trx);
  return rows[0]?.found === true;
}
