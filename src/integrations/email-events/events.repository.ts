import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { EmailEvent, EmailEventProvider } from './email-events.table.js';

/** A verified provider event, reduced to what Leadline keeps (never the message body or the raw payload). */
export interface IncomingEmailEvent {
  provider: EmailEventProvider;
  eventKey: string;
  eventType: string;
  email: string | null;
  providerCampaignId: string | null;
  occurredAt: Date;
  detail: Record<string, unknown>;
}

/**
 * How long an event naming no known contact (or Lemlist campaign) is kept: a lead pushed to Lemlist from
 * Leadline is known within seconds; a month covers a contact imported later and bounds the rest.
 */
export const UNMATCHED_EMAIL_EVENT_TTL_MS = 30 * 86_400_000;

/** Stores the event once: a provider's retry of the same key is a no-op (undefined). */
export async function storeEmailEvent(
  trx: TenantTransaction,
  event: IncomingEmailEvent,
): Promise<EmailEvent | undefined> {
  return trx
    .insertInto('emailEvents')
    .values({ ...event, detail: JSON.stringify(event.detail) })
    .onConflict((oc) => oc.columns(['tenantId', 'provider', 'eventKey']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Waiting events, oldest first, locked so two runs never apply one twice. */
export async function waitingEmailEvents(trx: TenantTransaction, limit: number): Promise<EmailEvent[]> {
  return trx
    .selectFrom('emailEvents')
    .selectAll()
    .where('appliedAt', 'is', null)
    .orderBy('receivedAt')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markApplied(
  trx: TenantTransaction,
  eventId: string,
  link: { contactId: string; campaignId: string | null },
): Promise<void> {
  await trx
    .updateTable('emailEvents')
    .set({ ...link, appliedAt: new Date() })
    .where('id', '=', eventId)
    .execute();
}

/** Deletes events that never matched within `ttlMs`. */
export async function expireWaitingEmailEvents(
  trx: TenantTransaction,
  ttlMs = UNMATCHED_EMAIL_EVENT_TTL_MS,
): Promise<number> {
  const deleted = await trx
    .deleteFrom('emailEvents')
    .where('appliedAt', 'is', null)
    .where('receivedAt', '<', new Date(Date.now() - ttlMs))
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

export async function countWaitingEmailEvents(trx: TenantTransaction, withinMs?: number): Promise<number> {
  let query = trx
    .selectFrom('emailEvents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('appliedAt', 'is', null);
  if (withinMs !== undefined) query = query.where('receivedAt', '>', new Date(Date.now() - withinMs));
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}
