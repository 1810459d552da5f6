import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { NOTIFICATION_KINDS, type Notification, type NotificationKind } from './notifications.table.js';

export interface NotificationPreference {
  kind: NotificationKind;
  inApp: boolean;
  browser: boolean;
}

/** A member's in-app notifications, newest first (keyset on created_at, id). */
export async function listNotifications(
  db: Db,
  tenantId: string,
  userId: string,
  options: { limit: number; after?: PageCursor | undefined; unreadOnly?: boolean },
): Promise<Page<Notification> & { unread: number }> {
  return withTenant(db, tenantId, async (trx) => {
    let query = trx
      .selectFrom('notifications')
      .selectAll()
      .where('userId', '=', userId)
      .where('inApp', '=', true)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1);
    if (options.unreadOnly) query = query.where('readAt', 'is', null);
    const after = options.after;
    if (after) {
      query = query.where(sql<boolean>`(created_at, id) < (${after.at}, ${after.id}::uuid)`);
    }
    const rows = await query.execute();
    const unread = await countUnread(trx, userId);
    return { ...pageOf(rows, options.limit, (row) => ({ at: row.createdAt, id: row.id })), unread };
  });
}

async function countUnread(trx: Parameters<Parameters<typeof withTenant>[2]>[0], userId: string) {
  const row = await trx
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('userId', '=', userId)
    .where('inApp', '=', true)
    .where('readAt', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function unreadNotificationCount(db: Db, tenantId: string, userId: string): Promise<number> {
  return withTenant(db, tenantId, (trx) => countUnread(trx, userId));
}

/** One of the member's own notifications (a browser notification fetches its title by id). */
export async function getNotification(
  db: Db,
  tenantId: string,
  userId: string,
  id: string,
): Promise<Notification> {
  const row = await withTenant(db, tenantId, (trx) =>
    trx
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('userId', '=', userId)
      .executeTakeFirst(),
  );
  if (!row) throw new AppError('not_found', 'Notification not found');
  return row;
}

/** Marks one (`id`) or all of the member's notifications read; the member's other tabs hear of it. */
export async function markNotificationsRead(
  db: Db,
  tenantId: string,
  userId: string,
  id?: string,
): Promise<number> {
  return withTenant(db, tenantId, async (trx) => {
    if (id !== undefined) {
      const found = await trx
        .selectFrom('notifications')
        .select('id')
        .where('id', '=', id)
        .where('userId', '=', userId)
        .executeTakeFirst();
      if (!found) throw new AppError('not_found', 'Notification not found');
    }
    let update = trx
      .updateTable('notifications')
      .set({ readAt: sql<Date>`now()` })
      .where('userId', '=', userId)
      .where('readAt', 'is', null);
    if (id !== undefined) update = update.where('id', '=', id);
    const result = await update.executeTakeFirst();
    const changed = Number(result.numUpdatedRows);
    if (changed > 0) await publishInboxEvent(trx, { type: 'notifications.read', userId });
    return changed;
  });
}

/** A member's preferences, one per kind (defaults where they chose nothing: both on). */
export async function notificationPreferences(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<NotificationPreference[]> {
  const rows = await withTenant(db, tenantId, (trx) =>
    trx
      .selectFrom('notificationPreferences')
      .select(['kind', 'inApp', 'browser'])
      .where('userId', '=', userId)
      .execute(),
  );
  const chosen = new Map(rows.map((row) => [row.kind, row]));
  return NOTIFICATION_KINDS.map((kind) => {
    const row = chosen.get(kind);
    return { kind, inApp: row?.inApp ?? true, browser: row?.browser ?? true };
  });
}

export async function setNotificationPreferences(
  db: Db,
  tenantId: string,
  userId: string,
  preferences: readonly NotificationPreference[],
): Promise<NotificationPreference[]> {
  if (preferences.length > 0) {
    await withTenant(db, tenantId, (trx) =>
      trx
        .insertInto('notificationPreferences')
        .values(preferences.map((p) => ({ userId, kind: p.kind, inApp: p.inApp, browser: p.browser })))
        .onConflict((oc) =>
          oc.columns(['tenantId', 'userId', 'kind']).doUpdateSet((eb) => ({
            inApp: eb.ref('excluded.inApp'),
            browser: eb.ref('excluded.browser'),
            updatedAt: sql<Date>`now()`,
          })),
        )
        .execute(),
    );
  }
  return notificationPreferences(db, tenantId, userId);
}
