import { sql } from 'kysely';
import { notify } from '../notifications/notify.js';
import { allMembers } from '../notifications/recipients.js';
import type { Db } from '../platform/db/database.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import type { CallbackStatus } from './callback-state.js';
import type { Callback, CallbacksTable } from './widgets.table.js';

/** A widget's tenant from its public key (security definer lookup: the caller has no tenant yet). */
export async function widgetByKey(
  db: Db,
  key: string,
): Promise<{ tenantId: string; widgetId: string } | undefined> {
  if (!/^wk_[A-Za-z0-9_-]{16,64}$/.test(key)) return undefined;
  const { rows } = await sql<{ tenantId: string; widgetId: string }>`
    select tenant_id as "tenantId", widget_id as "widgetId" from callback_widget_by_key(${key})`.execute(db);
  return rows[0];
}

export async function findCallback(trx: TenantTransaction, id: string): Promise<Callback | undefined> {
  return trx.selectFrom('callbacks').selectAll().where('id', '=', id).executeTakeFirst();
}

type CallbackPatch = Partial<
  Pick<
    CallbacksTable,
    | 'scheduledFor'
    | 'businessCallSid'
    | 'visitorCallSid'
    | 'answeredByNumber'
    | 'durationSeconds'
    | 'outcomeDetail'
    | 'completedAt'
  > & { attempts: number; agentIndex: number; businessCallSids: string[] }
>;

/** Tells the live inbox that a call-back changed (ids and status only; delivered when `trx` commits). */
export async function publishCallbackChange(
  trx: TenantTransaction,
  callback: { id: string; status: CallbackStatus },
): Promise<void> {
  await publishInboxEvent(trx, {
    type: 'callback.updated',
    callbackId: callback.id,
    status: callback.status,
  });
}

/**
 * Moves a call-back to `to` only if it is in one of `from` (a compare-and-set: concurrent webhooks and
 * jobs cannot both win). Returns the updated row, or undefined when the move did not apply; a move that
 * applied is published to the live inbox.
 */
export async function moveCallback(
  trx: TenantTransaction,
  id: string,
  from: readonly CallbackStatus[],
  to: CallbackStatus,
  patch: CallbackPatch = {},
): Promise<Callback | undefined> {
  const moved = await trx
    .updateTable('callbacks')
    .set({ ...patch, status: to, updatedAt: new Date() })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
  if (moved) await publishCallbackChange(trx, moved);
  if (moved?.status === 'business_no_answer') await notifyMissedCallback(trx, moved);
  return moved;
}

/** Nobody at the business answered a visitor's call-back request: every member hears of it. */
async function notifyMissedCallback(trx: TenantTransaction, callback: Callback): Promise<void> {
  await notify(trx, {
    kind: 'missed_callback',
    userIds: await allMembers(trx),
    subject: { type: 'callback', id: callback.id },
    title: `Missed call-back request from ${callback.visitorName?.trim() || 'a visitor'}`,
    dedupeKey: `missed_callback:${callback.id}:${callback.attempts}`,
  });
}
