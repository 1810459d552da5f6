import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue, removeJob } from '../platform/jobs/enqueue.js';
import type { CallbackStatus } from './callback-state.js';
import { placeCallTask } from './callback-task-refs.js';
import { findCallback, moveCallback } from './callbacks.repository.js';
import type { Callback } from './widgets.table.js';

export interface CallbackFilters {
  status?: CallbackStatus;
  widgetId?: string;
  /** The call-backs asked for with this contact's number (their timeline in the inbox). */
  contactId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  limit: number;
  cursor?: string;
}

/** Newest first, keyset-paged on (createdAt, id). */
export async function listCallbacks(trx: TenantTransaction, filters: CallbackFilters): Promise<Callback[]> {
  let query = trx.selectFrom('callbacks').selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc');
  if (filters.status) query = query.where('status', '=', filters.status);
  if (filters.widgetId) query = query.where('widgetId', '=', filters.widgetId);
  if (filters.contactId) {
    const contactId = filters.contactId;
    query = query.where('visitorE164', '=', (eb) =>
      eb.selectFrom('contacts').select('contacts.phoneE164').where('contacts.id', '=', contactId),
    );
  }
  if (filters.createdFrom) query = query.where('createdAt', '>=', filters.createdFrom);
  if (filters.createdTo) query = query.where('createdAt', '<', filters.createdTo);
  if (filters.cursor) {
    const after = await findCallback(trx, filters.cursor);
    if (!after) throw new AppError('bad_request', 'Unknown cursor');
    query = query.where((eb) =>
      eb.or([
        eb('createdAt', '<', after.createdAt),
        eb.and([eb('createdAt', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query.limit(filters.limit).execute();
}

const PENDING: CallbackStatus[] = ['requested', 'scheduled'];

/** Cancels a call-back that has not started ringing: its pending job goes with it. */
export async function cancelCallback(db: Db, tenantId: string, id: string): Promise<Callback> {
  return withTenant(db, tenantId, async (trx) => {
    const moved = await moveCallback(trx, id, PENDING, 'canceled', {
      completedAt: new Date(),
      scheduledFor: null,
    });
    if (!moved) {
      if (!(await findCallback(trx, id))) throw new AppError('not_found', 'Call-back not found');
      throw new AppError('conflict', 'Only a call-back that has not started can be canceled');
    }
    await removeJob(trx, `callback:${id}`);
    return moved;
  });
}

/** Moves a pending call-back to another time (the job with its key is replaced, not duplicated). */
export async function rescheduleCallback(
  db: Db,
  tenantId: string,
  id: string,
  at: Date,
  requestId: string,
): Promise<Callback> {
  if (at.getTime() < Date.now() - 60_000)
    throw new AppError('validation_failed', 'The new time is in the past');
  return withTenant(db, tenantId, async (trx) => {
    const moved = await moveCallback(trx, id, PENDING, 'scheduled', { scheduledFor: at });
    if (!moved) {
      if (!(await findCallback(trx, id))) throw new AppError('not_found', 'Call-back not found');
      throw new AppError('conflict', 'Only a call-back that has not started can be moved');
    }
    await enqueue(trx, placeCallTask, { callbackId: id }, { requestId, jobKey: `callback:${id}`, runAt: at });
    return moved;
  });
}
