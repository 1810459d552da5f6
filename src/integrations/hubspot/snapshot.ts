import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { ContactFacts, SyncedContact } from './mapping.js';

/** What the sync sends of a contact: its row's fields, its stage's name and its current consent. */
export type ContactSnapshot = SyncedContact;

/**
 * Reads many contacts in two statements (a batch of 100 is one round trip, not 100): the rows with their
 * stage's name (the first stage when none is set) and the latest consent entry per channel.
 */
export async function contactSnapshots(
  trx: TenantTransaction,
  ids: readonly string[],
): Promise<Map<string, ContactSnapshot>> {
  const found = new Map<string, ContactSnapshot>();
  if (ids.length === 0) return found;
  const { rows } = await sql<{
    // Keys as the CamelCasePlugin hands them back.
    id: string;
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    phoneE164: string;
    company: string | null;
    source: string | null;
    customFields: Record<string, unknown> | null;
    stageName: string | null;
  }>`
    select c.id, c.first_name, c.last_name, c.email, c.phone_e164, c.company, c.source, c.custom_fields,
           coalesce(s.name, (select name from pipeline_stages order by position limit 1)) as stage_name
    from contacts c left join pipeline_stages s on s.id = c.stage_id
    where c.id = any(${ids}::uuid[])`.execute(trx);
  for (const row of rows) {
    found.set(row.id, {
      id: row.id,
      firstName: row.firstName,
      lastName: row.lastName,
      email: row.email,
      phoneE164: row.phoneE164,
      company: row.company,
      source: row.source,
      customFields: row.customFields ?? {},
      facts: { stageName: row.stageName, consent: {} },
    });
  }
  const consent = await sql<{ contactId: string; channel: string; state: string }>`
    select distinct on (contact_id, channel) contact_id, channel, state from consent_entries
    where contact_id = any(${ids}::uuid[])
    order by contact_id, channel, recorded_at desc, id desc`.execute(trx);
  for (const entry of consent.rows) {
    const snapshot = found.get(entry.contactId);
    if (snapshot) snapshot.facts.consent[entry.channel as keyof ContactFacts['consent']] = entry.state;
  }
  return found;
}

/** The accepted quote a deal is made of, from its quote.accepted event. */
export interface DealSnapshot {
  quoteId: string;
  number: string;
  contactId: string | null;
  totalMinor: string;
  currency: string;
}

export async function dealSnapshots(
  trx: TenantTransaction,
  quoteIds: readonly string[],
): Promise<Map<string, DealSnapshot>> {
  const found = new Map<string, DealSnapshot>();
  if (quoteIds.length === 0) return found;
  const events = await trx
    .selectFrom('domainEvents')
    .select(['subjectId', 'payload'])
    .where('type', '=', 'quote.accepted')
    .where('subjectId', 'in', quoteIds)
    .orderBy('id')
    .execute();
  for (const event of events) {
    const payload = event.payload as Record<string, unknown>;
    found.set(event.subjectId, {
      quoteId: event.subjectId,
      number: String(payload.number ?? ''),
      contactId: typeof payload.contactId === 'string' ? payload.contactId : null,
      totalMinor: String(payload.totalMinor ?? '0'),
      currency: String(payload.currency ?? 'EUR'),
    });
  }
  return found;
}
