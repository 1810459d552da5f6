import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { applySmsStatus } from './sms.repository.js';

/** A verified status callback that named no ledger row Leadline knows yet. */
export interface WaitingSmsStatus {
  numberId: string;
  messageId: string;
  messageSid: string;
  status: string;
  errorCode: number | null;
  idempotencyToken: string | null;
  requestId: string;
}

/**
 * How long a callback naming no known row is kept. Twilio's callback can overtake the commit of the send
 * it reports (seconds), or report a message sent from elsewhere (never matched): a week is long past
 * the first and bounds the second.
 */
export const UNMATCHED_SMS_STATUS_TTL_MS = 7 * 86_400_000;

/** Whether the number is one of the workspace's Twilio numbers (a callback to another is refused). */
export async function isTwilioNumber(trx: TenantTransaction, numberId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('twilioNumbers')
    .select('id')
    .where('id', '=', numberId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Stores it once: a repeat (Twilio's retry, the same MessageSid and status) is a no-op. */
export async function storeWaitingSmsStatus(
  trx: TenantTransaction,
  event: WaitingSmsStatus,
): Promise<boolean> {
  const stored = await trx
    .insertInto('smsStatusEvents')
    .values(event)
    .onConflict((oc) => oc.columns(['numberId', 'messageSid', 'status']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return stored !== undefined;
}

/**
 * Applies the number's waiting callbacks whose ledger row now exists (named by the StatusCallback's row
 * id, or carrying the row's MessageSid), forward-only as a callback on time would be, and deletes them.
 */
export async function applyWaitingSmsStatuses(
  trx: TenantTransaction,
  numberId: string,
): Promise<{ applied: number }> {
  // Row locks on the events keep two runs from applying one event twice.
  const { rows } = await sql<{
    id: string;
    messageId: string;
    messageSid: string;
    status: string;
    errorCode: number | null;
  }>`
    select e.id, m.id as "messageId", e.message_sid as "messageSid", e.status, e.error_code as "errorCode"
    from sms_status_events e
    join messages m
      on m.channel_id = e.number_id and m.direction = 'outbound'
     and (m.id = e.message_id or m.provider_message_id = e.message_sid)
    where e.number_id = ${numberId}
    order by e.id
    for update of e skip locked`.execute(trx);
  for (const event of rows) {
    await applySmsStatus(trx, { ...event, numberId });
  }
  if (rows.length > 0) {
    await trx
      .deleteFrom('smsStatusEvents')
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
  }
  return { applied: rows.length };
}

/** Deletes the number's callbacks that never matched a row within `ttlMs`. */
export async function expireWaitingSmsStatuses(
  trx: TenantTransaction,
  numberId: string,
  ttlMs = UNMATCHED_SMS_STATUS_TTL_MS,
): Promise<number> {
  const deleted = await trx
    .deleteFrom('smsStatusEvents')
    .where('numberId', '=', numberId)
    .where('receivedAt', '<', new Date(Date.now() - ttlMs))
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** Whether callbacks of the number younger than `withinMs` still wait (their send may be committing). */
export async function hasRecentWaitingSmsStatuses(
  trx: TenantTransaction,
  numberId: string,
  withinMs: number,
): Promise<boolean> {
  const row = await trx
    .selectFrom('smsStatusEvents')
    .select('id')
    .where('numberId', '=', numberId)
    .where('receivedAt', '>', new Date(Date.now() - withinMs))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
