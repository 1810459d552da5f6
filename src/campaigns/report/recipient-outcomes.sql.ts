import { type RawBuilder, sql } from 'kysely';

/**
 * One row per recipient of a campaign with the funnel stages it reached: the single definition of the
 * funnel, aggregated by the report (funnel.query.ts) and paged by the CSV export (report-rows.query.ts).
 *
 * Attribution starts when the campaign's message was sent to the recipient (never before launch), so a
 * recipient never sent anything reaches no stage. Two chains, each "this stage or a later one":
 * - engagement, from the provider's receipts: a read or a reply implies delivery (a customer who turned
 *   read receipts off still replies), so delivered ⊇ read ⊇ replied;
 * - business outcome, from the contact's own data after the send: qualified (profile completed, or moved to
 *   a later pipeline stage that is not a lost one) ⊇ quoted (a quote created for the contact) ⊇ won (a quote
 *   created after the send that the customer accepted).
 * The chains are not nested in each other: a lead reached by a call after the message may get a quote
 * without a recorded reply, and the report says so rather than inventing a reply.
 */
export function recipientOutcomes(campaignId: string): RawBuilder<unknown> {
  return sql`
    select r.id, r.contact_id, r.variant, r.status, r.skip_reason, r.error_code,
      r.sent_at, r.delivered_at, r.read_at, r.replied_at,
      r.sent_at is not null as sent,
      r.sent_at is not null
        and (r.delivered_at is not null or r.read_at is not null or r.replied_at is not null) as delivered,
      r.sent_at is not null and (r.read_at is not null or r.replied_at is not null) as read,
      r.sent_at is not null and r.replied_at is not null as replied,
      coalesce(b.won, false) as won,
      coalesce(b.won or b.quoted, false) as quoted,
      coalesce(b.won or b.quoted or b.qualified, false) as qualified
    from campaign_recipients r
    left join lateral (
      select
        exists (
          select 1 from contacts c
          where c.id = r.contact_id and c.profile_completed_at >= r.sent_at
        ) or exists (
          select 1 from contact_events e
          join pipeline_stages s on s.id::text = e.detail ->> 'toStageId'
          where e.contact_id = r.contact_id and e.kind = 'stage_changed' and e.created_at >= r.sent_at
            and s.outcome <> 'lost'
            and s.position > (select min(first.position) from pipeline_stages first)
        ) as qualified,
        exists (
          select 1 from quotes q where q.contact_id = r.contact_id and q.created_at >= r.sent_at
        ) as quoted,
        exists (
          select 1 from quotes q join quote_versions v on v.quote_id = q.id
          where q.contact_id = r.contact_id and q.created_at >= r.sent_at and v.status = 'accepted'
        ) as won
    ) b on r.sent_at is not null
    where r.campaign_id = ${campaignId}`;
}

/** The funnel's stages, in order. */
export const FUNNEL_STAGES = ['sent', 'delivered', 'read', 'replied', 'qualified', 'quoted', 'won'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];
