import { sql } from 'kysely';
import { calendarFor } from '../business-hours/business-hours.service.js';
import { openSecondsBetween, type TBusinessHours } from '../business-hours/calendar.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/**
 * The reports' rollup (ADR 0047): each conversation's measured moments, kept in report_conversation_facts
 * and report_member_facts so that a report reads one row per conversation instead of its messages.
 * Refreshing a conversation recomputes its rows from scratch, so running it twice, or over a conversation
 * that did not change, is harmless.
 */

/** Activity older than the watermark by this much is read again: transactions commit after their now(). */
const OVERLAP_MS = 120_000;

/** Recomputes the facts of these conversations (in the caller's tenant transaction). */
export async function refreshConversationFacts(trx: TenantTransaction, conversationIds: readonly string[]) {
  if (conversationIds.length === 0) return;
  const ids = sql`${conversationIds as string[]}::uuid[]`;
  // A handoff is the bot, the customer or the system giving the conversation to a person; a member taking
  // it over by writing is not a wait the customer had to sit through.
  await sql`
    insert into report_conversation_facts as f (
      conversation_id, channel_kind, started_at, first_inbound_at, first_bot_reply_at, handed_over_at,
      first_human_reply_at, first_human_reply_user_id, qualified_at, quoted_at, accepted_at, refreshed_at)
    select c.id, c.channel_kind, c.created_at, fi.at, fb.at, ho.at, fh.at, fh.user_id,
      ct.profile_completed_at, qs.at, qa.at, now()
    from conversations c
    join contacts ct on ct.id = c.contact_id
    left join lateral (
      select min(m.sent_at) as at from messages m
      where m.conversation_id = c.id and m.direction = 'inbound') fi on true
    left join lateral (
      select min(m.sent_at) as at from messages m
      where m.conversation_id = c.id and m.author = 'bot' and m.sent_at >= fi.at) fb on true
    left join lateral (
      select min(e.created_at) as at from conversation_ownership_events e
      where e.conversation_id = c.id and e.to_ownership = 'human' and e.actor_type <> 'user') ho on true
    left join lateral (
      select m.sent_at as at, m.author_user_id as user_id from messages m
      where m.conversation_id = c.id and m.author = 'operator'
      order by m.sent_at, m.id limit 1) fh on true
    left join lateral (
      select min(v.sent_at) as at from quotes q join quote_versions v on v.quote_id = q.id
      where v.sent_at is not null
        and (q.conversation_id = c.id or (q.contact_id = c.contact_id and q.created_at >= c.created_at))) qs on true
    left join lateral (
      select min(d.decided_at) as at from quotes q
      join quote_versions v on v.quote_id = q.id
      join quote_decisions d on d.quote_version_id = v.id
      where d.decision = 'accepted'
        and (q.conversation_id = c.id or (q.contact_id = c.contact_id and q.created_at >= c.created_at))) qa on true
    where c.id = any(${ids})
    on conflict (conversation_id) do update set
      channel_kind = excluded.channel_kind, started_at = excluded.started_at,
      first_inbound_at = excluded.first_inbound_at, first_bot_reply_at = excluded.first_bot_reply_at,
      handed_over_at = excluded.handed_over_at, first_human_reply_at = excluded.first_human_reply_at,
      first_human_reply_user_id = excluded.first_human_reply_user_id, qualified_at = excluded.qualified_at,
      quoted_at = excluded.quoted_at, accepted_at = excluded.accepted_at, refreshed_at = excluded.refreshed_at,
      first_bot_reply_business_s = null, first_human_reply_business_s = null`.execute(trx);

  // Each member's messages, and for each reply that follows a customer's message, the wait since the first
  // message of that customer's run (the customer may write three times before anyone answers).
  await sql`delete from report_member_facts where conversation_id = any(${ids})`.execute(trx);
  await sql`
    insert into report_member_facts (conversation_id, user_id, first_message_at, messages, response_seconds)
    with ordered as (
      select m.conversation_id, m.direction, m.author, m.author_user_id, m.sent_at,
        lag(m.direction) over w as previous_direction,
        count(*) filter (where m.direction = 'outbound') over w as outbound_so_far
      from messages m where m.conversation_id = any(${ids})
      window w as (partition by m.conversation_id order by m.sent_at, m.id)
    ), runs as (
      select conversation_id, outbound_so_far as run, min(sent_at) as started
      from ordered where direction = 'inbound' group by 1, 2
    )
    select o.conversation_id, o.author_user_id, min(o.sent_at), count(*),
      coalesce(array_agg(greatest(0, floor(extract(epoch from o.sent_at - r.started)))::integer
        order by o.sent_at) filter (where o.previous_direction = 'inbound' and r.started is not null), '{}')
    from ordered o
    left join runs r on r.conversation_id = o.conversation_id and r.run = o.outbound_so_far - 1
    where o.author = 'operator' and o.author_user_id is not null
    group by o.conversation_id, o.author_user_id`.execute(trx);

  const hours = await calendarFor(trx, null);
  if (hours) await storeBusinessSeconds(trx, hours, ids);
}

/** The same waits in the workspace's business hours (computed here: the calendar lives in TypeScript). */
async function storeBusinessSeconds(
  trx: TenantTransaction,
  hours: TBusinessHours,
  ids: ReturnType<typeof sql>,
) {
  const { rows } = await sql<{
    conversationId: string;
    firstInboundAt: Date | null;
    firstBotReplyAt: Date | null;
    humanWaitFrom: Date | null;
    firstHumanReplyAt: Date | null;
  }>`
    select conversation_id, first_inbound_at, first_bot_reply_at, first_human_reply_at,
      greatest(first_inbound_at, handed_over_at) as human_wait_from
    from report_conversation_facts where conversation_id = any(${ids})`.execute(trx);
  const bot: number[] = [];
  const human: number[] = [];
  const keys: string[] = [];
  for (const row of rows) {
    keys.push(row.conversationId);
    bot.push(
      row.firstInboundAt && row.firstBotReplyAt
        ? openSecondsBetween(hours, row.firstInboundAt, row.firstBotReplyAt)
        : -1,
    );
    human.push(
      row.humanWaitFrom && row.firstHumanReplyAt && row.firstHumanReplyAt >= row.humanWaitFrom
        ? openSecondsBetween(hours, row.humanWaitFrom, row.firstHumanReplyAt)
        : -1,
    );
  }
  if (keys.length === 0) return;
  await sql`
    update report_conversation_facts f set
      first_bot_reply_business_s = nullif(v.bot, -1), first_human_reply_business_s = nullif(v.human, -1)
    from unnest(${keys}::uuid[], ${bot}::integer[], ${human}::integer[]) as v(id, bot, human)
    where f.conversation_id = v.id`.execute(trx);
}

/**
 * The conversations whose facts may have changed since the workspace's watermark (new messages, handoffs,
 * profile completions, quotes sent or decided), at most `limit`, oldest activity first.
 */
async function changedConversations(trx: TenantTransaction, since: Date, runStart: Date, limit: number) {
  const { rows } = await sql<{ id: string }>`
    select id from (
      select conversation_id as id from messages where created_at >= ${since}
      union select id from conversations where created_at >= ${since} or updated_at >= ${since}
      union select conversation_id from conversation_ownership_events where created_at >= ${since}
      union select c.id from contacts ct join conversations c on c.contact_id = ct.id
        where ct.profile_completed_at >= ${since}
      union select c.id from quotes q join quote_versions v on v.quote_id = q.id
        join conversations c on c.id = q.conversation_id or c.contact_id = q.contact_id
        where v.sent_at >= ${since} or v.status_changed_at >= ${since}
    ) changed
    where not exists (
      select 1 from report_conversation_facts f where f.conversation_id = changed.id and f.refreshed_at >= ${runStart})
    limit ${limit}`.execute(trx);
  return rows.map((row) => row.id);
}

export interface RollupOutcome {
  conversations: number;
  /** False when `maxBatches` ended the run before every change was read. */
  complete: boolean;
}

/**
 * Brings one workspace's facts up to date: reads activity since its watermark (less an overlap), refreshes
 * the conversations it touched in batches of `batchSize`, one transaction each, then moves the watermark
 * to when this run started. `inTenant` opens a tenant transaction.
 * A conversation refreshed by this run is not refreshed again by it (refreshed_at ≥ the run's start).
 */
export async function rollUpWorkspace(
  inTenant: <T>(work: (trx: TenantTransaction) => Promise<T>) => Promise<T>,
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<RollupOutcome> {
  const batchSize = options.batchSize ?? 2_000;
  // The database's clock: refreshed_at and the activity times the watermark is compared with are its own.
  const { startedAt, watermark } = await inTenant(async (trx) => {
    const { rows } = await sql<{ startedAt: Date; watermark: Date | null }>`
      select now() as started_at, (select watermark from report_rollup_state) as watermark`.execute(trx);
    return { startedAt: rows[0]!.startedAt, watermark: rows[0]!.watermark ?? new Date(0) };
  });
  const since = new Date(watermark.getTime() - OVERLAP_MS);
  let conversations = 0;
  for (let batch = 1; ; batch += 1) {
    const refreshed = await inTenant(async (trx) => {
      const ids = await changedConversations(trx, since, startedAt, batchSize);
      await refreshConversationFacts(trx, ids);
      return ids.length;
    });
    conversations += refreshed;
    if (refreshed < batchSize) break;
    // Out of batches with work left: the watermark stays, so the next run reads the same activity again.
    if (options.maxBatches !== undefined && batch >= options.maxBatches)
      return { conversations, complete: false };
  }
  await inTenant((trx) =>
    trx
      .insertInto('reportRollupState')
      .values({ watermark: startedAt })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ watermark: startedAt }))
      .execute(),
  );
  return { conversations, complete: true };
}
