import { type RawBuilder, sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/**
 * The report queries (ADR 0047). Each reads the rollup (report_*_facts) for conversations started in
 * [from, to), optionally on one channel kind; response times in wall-clock seconds, or in the workspace's
 * business hours when asked. bench:reports times each one at 1M messages and 100k conversations.
 */
export interface ReportFilter {
  from: Date;
  to: Date;
  channelKind: string | null;
  /** IANA zone the days are counted in (the viewer's). */
  timeZone: string;
  businessHours: boolean;
}

export const FUNNEL_STEPS = ['started', 'qualified', 'quoted', 'accepted'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

function inRange(filter: ReportFilter, alias = 'f'): RawBuilder<unknown> {
  const f = sql.raw(alias);
  const channel = filter.channelKind === null ? sql`true` : sql`${f}.channel_kind = ${filter.channelKind}`;
  return sql`${f}.started_at >= ${filter.from} and ${f}.started_at < ${filter.to} and ${channel}`;
}

/** Wait of the first bot reply and of the first human reply, per conversation, in the chosen clock. */
function waits(filter: ReportFilter) {
  return filter.businessHours
    ? { bot: sql`f.first_bot_reply_business_s`, human: sql`f.first_human_reply_business_s` }
    : {
        bot: sql`extract(epoch from f.first_bot_reply_at - f.first_inbound_at)`,
        human: sql`case when f.first_human_reply_at >= greatest(f.first_inbound_at, f.handed_over_at)
          then extract(epoch from f.first_human_reply_at - greatest(f.first_inbound_at, f.handed_over_at)) end`,
      };
}

export interface VolumeRow {
  day: string;
  channelKind: string;
  conversations: number;
}

/** Conversations started per local day and channel. */
export async function conversationVolume(trx: TenantTransaction, filter: ReportFilter): Promise<VolumeRow[]> {
  const { rows } = await sql<VolumeRow>`
    select to_char(date_trunc('day', f.started_at at time zone ${filter.timeZone}), 'YYYY-MM-DD') as day,
      f.channel_kind, count(*)::integer as conversations
    from report_conversation_facts f where ${inRange(filter)}
    group by 1, 2 order by 1, 2`.execute(trx);
  return rows;
}

export interface WaitSummary {
  count: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
  averageSeconds: number | null;
}

export interface ResponseTimes {
  bot: WaitSummary;
  human: WaitSummary;
  /** Conversations whose contact completed the profile after the conversation started, and how long it took. */
  qualification: WaitSummary;
}

function summary(prefix: string) {
  const p = sql.raw(prefix);
  return sql`
    count(${p})::integer as ${sql.raw(`${prefix}_count`)},
    percentile_cont(0.5) within group (order by ${p}) as ${sql.raw(`${prefix}_p50`)},
    percentile_cont(0.9) within group (order by ${p}) as ${sql.raw(`${prefix}_p90`)},
    avg(${p}) as ${sql.raw(`${prefix}_avg`)}`;
}

/** First response times (bot, people) and time to qualification. */
export async function responseTimes(trx: TenantTransaction, filter: ReportFilter): Promise<ResponseTimes> {
  const { bot, human } = waits(filter);
  const { rows } = await sql<Record<string, number | null>>`
    select ${summary('bot')}, ${summary('human')}, ${summary('qualification')}
    from (
      select ${bot} as bot, ${human} as human,
        case when f.qualified_at >= f.started_at then extract(epoch from f.qualified_at - f.started_at) end
          as qualification
      from report_conversation_facts f where ${inRange(filter)}
    ) waits`.execute(trx);
  const row = rows[0] ?? {};
  const pick = (prefix: string): WaitSummary => ({
    count: Number(row[`${prefix}Count`] ?? 0),
    p50Seconds: rounded(row[`${prefix}P50`]),
    p90Seconds: rounded(row[`${prefix}P90`]),
    averageSeconds: rounded(row[`${prefix}Avg`]),
  });
  return { bot: pick('bot'), human: pick('human'), qualification: pick('qualification') };
}

function rounded(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value));
}

export type Funnel = Record<FunnelStep, number>;

/** Conversations started → whose contact is qualified → quoted → accepted. */
export async function funnel(trx: TenantTransaction, filter: ReportFilter): Promise<Funnel> {
  const { rows } = await sql<Funnel>`
    select count(*)::integer as started,
      count(*) filter (where f.qualified_at is not null)::integer as qualified,
      count(*) filter (where f.quoted_at is not null)::integer as quoted,
      count(*) filter (where f.accepted_at is not null)::integer as accepted
    from report_conversation_facts f where ${inRange(filter)}`.execute(trx);
  return rows[0] ?? { started: 0, qualified: 0, quoted: 0, accepted: 0 };
}

export interface MemberRow {
  userId: string;
  name: string;
  conversations: number;
  messages: number;
  replies: number;
  p50ResponseSeconds: number | null;
  averageResponseSeconds: number | null;
}

/** Per member: conversations handled (wrote in), messages, and how long customers waited for their replies. */
export async function memberActivity(trx: TenantTransaction, filter: ReportFilter): Promise<MemberRow[]> {
  // One pass over the range's member rows: counts per member, and the waits unnested per member.
  const { rows } = await sql<MemberRow & { p50ResponseSeconds: number | string | null }>`
    with parts as materialized (
      select m.user_id, m.messages, m.response_seconds
      from report_member_facts m
      join report_conversation_facts f on f.conversation_id = m.conversation_id
      where ${inRange(filter)}
    ), totals as (
      select user_id, count(*)::integer as conversations, sum(messages)::integer as messages,
        coalesce(sum(cardinality(response_seconds)), 0)::integer as replies
      from parts group by user_id
    ), waits as (
      select p.user_id, percentile_cont(0.5) within group (order by s) as p50, avg(s) as average
      from parts p cross join unnest(p.response_seconds) s group by p.user_id
    )
    select t.user_id, coalesce(u.display_name, u.email, 'former member') as name, t.conversations,
      t.messages, t.replies, w.p50 as p50_response_seconds, w.average as average_response_seconds
    from totals t
    left join waits w on w.user_id = t.user_id
    left join users u on u.id = t.user_id
    order by t.conversations desc, t.user_id`.execute(trx);
  return rows.map((row) => ({
    ...row,
    p50ResponseSeconds: rounded(row.p50ResponseSeconds),
    averageResponseSeconds: rounded(row.averageResponseSeconds),
  }));
}

export interface CallbackOutcome {
  status: string;
  count: number;
}

/** Call-back requests made in the range, by their state now. */
export async function callbackOutcomes(
  trx: TenantTransaction,
  filter: ReportFilter,
): Promise<CallbackOutcome[]> {
  const { rows } = await sql<CallbackOutcome>`
    select status, count(*)::integer as count from callbacks
    where created_at >= ${filter.from} and created_at < ${filter.to}
    group by status order by count desc, status`.execute(trx);
  return rows;
}

export interface DrillDownFilter extends ReportFilter {
  /** One local day (YYYY-MM-DD in the filter's zone), or the whole range. */
  day: string | null;
  step: FunnelStep;
  /** Conversations this member wrote in. */
  memberId: string | null;
}

export interface DrillDownRow {
  conversationId: string;
  startedAt: Date;
  channelKind: string;
  contactName: string | null;
  phoneE164: string;
}

/** The conversations behind a bar: newest first, keyset-paged by (started_at, id). */
export async function drillDown(
  trx: TenantTransaction,
  filter: DrillDownFilter,
  page: { limit: number; after: { startedAt: Date; id: string } | null },
): Promise<DrillDownRow[]> {
  const step = {
    started: sql`true`,
    qualified: sql`f.qualified_at is not null`,
    quoted: sql`f.quoted_at is not null`,
    accepted: sql`f.accepted_at is not null`,
  }[filter.step];
  const day =
    filter.day === null
      ? sql`true`
      : sql`date_trunc('day', f.started_at at time zone ${filter.timeZone}) = ${filter.day}::date`;
  const member =
    filter.memberId === null
      ? sql`true`
      : sql`exists (select 1 from report_member_facts m
          where m.conversation_id = f.conversation_id and m.user_id = ${filter.memberId})`;
  const after =
    page.after === null
      ? sql`true`
      : sql`(f.started_at, f.conversation_id) < (${page.after.startedAt}, ${page.after.id})`;
  const { rows } = await sql<DrillDownRow>`
    select f.conversation_id, f.started_at, f.channel_kind,
      coalesce(nullif(trim(concat_ws(' ', ct.first_name, ct.last_name)), ''), ct.display_name) as contact_name,
      ct.phone_e164
    from report_conversation_facts f
    join conversations c on c.id = f.conversation_id
    join contacts ct on ct.id = c.contact_id
    where ${inRange(filter)} and ${step} and ${day} and ${member} and ${after}
    order by f.started_at desc, f.conversation_id desc
    limit ${page.limit}`.execute(trx);
  return rows;
}
