import { type OperationNodeSource, type RawBuilder, sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { AutomationTrigger } from './rule-schema.js';

/** A contact a trigger names now, and the window it names it in (the rule acts once per window). */
export interface Candidate {
  contactId: string;
  windowKey: string;
  /** When the window opened (the message, the move, the status change, the event, the occurrence). */
  at: Date;
}

/**
 * How far back a trigger looks for windows that have closed: a rule enabled today acts on silences,
 * moves and quotes of the last week, never on years of history.
 */
export const LOOKBACK_HOURS = 24 * 7;

/** Messages the automations wrote themselves carry this idempotency-key prefix (never a "last message"). */
export const AUTOMATION_KEY_PREFIX = 'automation:';

export interface CandidateQuery {
  trigger: AutomationTrigger;
  ruleId: string;
  /** The rule's condition: a subquery of contact ids (the segment), or null for every contact. */
  audience: OperationNodeSource | null;
  now: Date;
  limit: number;
  /** For a schedule: the occurrence being worked through (its window). */
  occurrenceKey?: string;
  /** Leave out contacts the rule already has a run for in the same window (false: a dry run of all). */
  excludeDone: boolean;
}

const hoursBefore = (now: Date, hours: number) => new Date(now.getTime() - hours * 3_600_000);

/**
 * The contacts a rule's trigger names at `now`, oldest window first, at most `limit`: one SQL statement per
 * trigger over the tables that already record the fact (messages, contact events, quote versions, domain
 * events), so no producer has to know about automations.
 */
export async function findCandidates(trx: TenantTransaction, query: CandidateQuery): Promise<Candidate[]> {
  const source = triggerSource(query);
  const inAudience = query.audience ? sql`and t.contact_id in (${query.audience})` : sql``;
  const notDone = query.excludeDone
    ? sql`and not exists (
        select 1 from automation_runs r
        where r.rule_id = ${query.ruleId} and r.contact_id = t.contact_id and r.window_key = t.window_key)`
    : sql``;
  const { rows } = await sql<Candidate>`
    select distinct on (t.at, t.contact_id, t.window_key)
      t.contact_id as "contactId", t.window_key as "windowKey", t.at as "at"
    from (${source}) t
    where true ${inAudience} ${notDone}
    order by t.at, t.contact_id, t.window_key
    limit ${query.limit}`.execute(trx);
  return rows;
}

function triggerSource(query: CandidateQuery): RawBuilder<unknown> {
  const { trigger, now } = query;
  switch (trigger.type) {
    case 'silence': {
      const closedBy = hoursBefore(now, trigger.hours);
      const oldest = hoursBefore(now, trigger.hours + LOOKBACK_HOURS);
      // The conversation's last message, when it is of the wanted direction and not one of ours sent by an
      // automation (a follow-up does not open a new silence of its own).
      return sql`
        select c.contact_id, 'message:' || m.id as window_key, m.sent_at as at
        from conversations c
        cross join lateral (
          select id, direction, sent_at, idempotency_key from messages
          where conversation_id = c.id order by sent_at desc, id desc limit 1
        ) m
        where c.status = 'open'
          and c.last_message_at <= ${closedBy} and c.last_message_at >= ${oldest}
          and m.direction = ${trigger.lastMessage}
          and m.sent_at <= ${closedBy}
          and (m.idempotency_key is null or m.idempotency_key not like ${`${AUTOMATION_KEY_PREFIX}%`})`;
    }
    case 'stage_entered': {
      const closedBy = hoursBefore(now, trigger.afterHours);
      const oldest = hoursBefore(now, trigger.afterHours + LOOKBACK_HOURS);
      return sql`
        select e.contact_id, 'stage:' || e.id as window_key, e.created_at as at
        from contact_events e
        join contacts ct on ct.id = e.contact_id
        where e.kind = 'stage_changed' and e.detail ->> 'toStageId' = ${trigger.stageId}
          and ct.stage_id = ${trigger.stageId}
          and e.created_at <= ${closedBy} and e.created_at >= ${oldest}`;
    }
    case 'quote_status': {
      const closedBy = hoursBefore(now, trigger.afterHours);
      const oldest = hoursBefore(now, trigger.afterHours + LOOKBACK_HOURS);
      return sql`
        select q.contact_id, 'quote:' || v.id || ':' || v.status as window_key, v.status_changed_at as at
        from quote_versions v
        join quotes q on q.id = v.quote_id and q.current_version = v.version
        where v.status = ${trigger.status} and q.contact_id is not null
          and v.status_changed_at <= ${closedBy} and v.status_changed_at >= ${oldest}`;
    }
    case 'campaign_event': {
      const oldest = hoursBefore(now, LOOKBACK_HOURS);
      const ofCampaign = trigger.campaignId
        ? sql`and e.payload ->> 'campaignId' = ${trigger.campaignId}`
        : sql``;
      return sql`
        select e.subject_id::uuid as contact_id, 'campaign-event:' || e.id as window_key, e.occurred_at as at
        from domain_events e
        where e.type = 'campaign.event' and e.payload ->> 'event' = ${trigger.event} ${ofCampaign}
          and e.occurred_at >= ${oldest} and e.occurred_at <= ${now}`;
    }
    case 'schedule':
      // Everyone in the rule's segment (a schedule always has one), in the occurrence's window.
      return sql`
        select ct.id as contact_id, ${query.occurrenceKey ?? 'now'}::text as window_key, ct.created_at as at
        from contacts ct`;
  }
}
