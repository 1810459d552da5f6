import { type RawBuilder, sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { findContact } from './contacts.repository.js';

export const TIMELINE_KINDS = [
  'message',
  'note',
  'callback',
  'quote_created',
  'quote_status',
  'stage_changed',
  'owner_changed',
  'consent',
  'lead_received',
  'imported',
  'crm_synced',
  'email_event',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  id: string;
  /** Milliseconds (what a cursor holds). */
  at: Date;
  kind: TimelineKind;
  detail: Record<string, unknown>;
}

/**
 * One branch per source of a contact's history: each selects `id uuid, at timestamptz (ms), kind text,
 * detail jsonb` for the contact. A later source (campaign events, imports, CRM syncs) adds one entry here.
 */
type TimelineSource = (contact: { id: string; phoneE164: string }) => RawBuilder<unknown>;

const ms = (column: RawBuilder<unknown>) => sql`date_trunc('milliseconds', ${column})`;

export const TIMELINE_SOURCES: readonly TimelineSource[] = [
  // Messages on every channel, both directions.
  ({ id }) => sql`
    select m.id, ${ms(sql`m.sent_at`)} as at, 'message' as kind,
      jsonb_build_object('conversationId', m.conversation_id, 'channelId', m.channel_id,
        'direction', m.direction, 'author', m.author, 'type', m.type, 'text', m.text, 'status', m.status) as detail
    from messages m join conversations c on c.id = m.conversation_id
    where c.contact_id = ${id}`,
  // Private notes on the contact's conversations.
  ({ id }) => sql`
    select n.id, ${ms(sql`n.created_at`)}, 'note',
      jsonb_build_object('conversationId', n.conversation_id, 'text', n.text, 'authorUserId', n.author_user_id)
    from conversation_notes n join conversations c on c.id = n.conversation_id
    where c.contact_id = ${id}`,
  // Call-backs the contact's number asked for, with their outcome.
  ({ phoneE164 }) => sql`
    select cb.id, ${ms(sql`cb.created_at`)}, 'callback',
      jsonb_build_object('callbackId', cb.id, 'status', cb.status, 'durationSeconds', cb.duration_seconds,
        'completedAt', cb.completed_at)
    from callbacks cb where cb.visitor_e164 = ${phoneE164}`,
  ({ id }) => sql`
    select q.id, ${ms(sql`q.created_at`)}, 'quote_created',
      jsonb_build_object('quoteId', q.id, 'number', q.number)
    from quotes q where q.contact_id = ${id}`,
  // Every status change of the contact's quotes, from the audit log (ids made uuids for the keyset).
  ({ id }) => sql`
    select md5('audit:' || a.id::text)::uuid, ${ms(sql`a.created_at`)}, 'quote_status',
      jsonb_build_object('quoteId', a.detail ->> 'quoteId', 'number', a.detail ->> 'number',
        'version', a.detail -> 'version', 'from', a.detail ->> 'from', 'to', a.detail ->> 'to')
    from audit_log a
    where a.action like 'quote.%' and a.detail ? 'to'
      and a.detail ->> 'quoteId' in (select q.id::text from quotes q where q.contact_id = ${id})`,
  ({ id }) => sql`
    select e.id, ${ms(sql`e.created_at`)}, e.kind, e.detail || jsonb_build_object('actorUserId', e.actor_user_id)
    from contact_events e where e.contact_id = ${id}`,
  ({ id }) => sql`
    select ce.id, ${ms(sql`ce.recorded_at`)}, 'consent',
      jsonb_build_object('channel', ce.channel, 'state', ce.state, 'source', ce.source,
        'shownText', ce.shown_text, 'actorUserId', ce.actor_user_id)
    from consent_entries ce where ce.contact_id = ${id}`,
  // Leads delivered by a lead source (signed webhook) and turned into this contact.
  ({ id }) => sql`
    select d.id, ${ms(sql`d.processed_at`)}, 'lead_received',
      jsonb_build_object('sourceId', d.source_id, 'sourceName', s.name, 'externalId', d.payload ->> 'externalId')
    from lead_deliveries d join lead_sources s on s.id = d.source_id
    where d.contact_id = ${id} and d.status = 'processed'`,
  // CSV imports that created or updated this contact (an undone import no longer names it).
  ({ id }) => sql`
    select md5('import:' || ch.import_id::text || ':' || ch.contact_id::text)::uuid,
      ${ms(sql`coalesce(ci.finished_at, ci.started_at, ci.created_at)`)}, 'imported',
      jsonb_build_object('importId', ci.id, 'fileName', ci.file_name, 'created', ch.created)
    from contact_import_changes ch join contact_imports ci on ci.id = ch.import_id
    where ch.contact_id = ${id}`,
  // The contact's last sync to the CRM (HubSpot keeps one record per contact).
  ({ id }) => sql`
    select md5('hubspot:' || r.ref_id::text)::uuid, ${ms(sql`r.synced_at`)}, 'crm_synced',
      jsonb_build_object('crm', 'HubSpot', 'recordId', r.hubspot_id)
    from hubspot_records r where r.kind = 'contact' and r.ref_id = ${id}`,
  // E-mail events from Postmark and Lemlist once applied to this contact (opened, replied, bounced, ...).
  ({ id }) => sql`
    select ee.id, ${ms(sql`ee.occurred_at`)}, 'email_event',
      jsonb_build_object('provider', ee.provider, 'type', ee.event_type, 'campaignId', ee.campaign_id,
        'campaignName', ee.detail ->> 'campaignName', 'bounceType', ee.detail ->> 'bounceType')
    from email_events ee where ee.contact_id = ${id} and ee.applied_at is not null`,
];

/** A page of a contact's timeline, newest first: one UNION ALL over the sources with one keyset. */
export async function contactTimelinePage(
  trx: TenantTransaction,
  contactId: string,
  page: { limit: number; after?: PageCursor | undefined },
): Promise<Page<TimelineEntry>> {
  const contact = await findContact(trx, contactId);
  if (!contact) throw new AppError('not_found', 'Contact not found');
  const union = sql.join(
    TIMELINE_SOURCES.map((source) => source(contact)),
    sql` union all `,
  );
  const after = page.after ? sql`where (t.at, t.id) < (${page.after.at}, ${page.after.id})` : sql``;
  const { rows } = await sql<TimelineEntry>`
    select t.id, t.at, t.kind, t.detail from (${union}) as t (id, at, kind, detail)
    ${after}
    order by t.at desc, t.id desc
    limit ${page.limit + 1}`.execute(trx);
  return pageOf(rows, page.limit, (row) => ({ at: row.at, id: row.id }));
}
