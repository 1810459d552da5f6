import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { setAssignee } from './conversations.repository.js';

export interface InboxSettings {
  autoAssign: boolean;
}

export async function readInboxSettings(db: Db, tenantId: string): Promise<InboxSettings> {
  const row = await withTenant(db, tenantId, (trx) =>
    trx.selectFrom('inboxSettings').select('autoAssign').executeTakeFirst(),
  );
  return { autoAssign: row?.autoAssign ?? false };
}

export async function writeInboxSettings(
  trx: TenantTransaction,
  settings: InboxSettings,
): Promise<InboxSettings> {
  await trx
    .insertInto('inboxSettings')
    .values({ autoAssign: settings.autoAssign })
    .onConflict((oc) =>
      oc.column('tenantId').doUpdateSet({ autoAssign: settings.autoAssign, updatedAt: sql<Date>`now()` }),
    )
    .execute();
  return settings;
}

/**
 * Round robin among the members online now: the next one after the last member this workspace assigned
 * to (by user id, wrapping around). The workspace's settings row is locked while choosing, so two
 * handoffs at once serialise and never pick from the same position — the turn is fair even under load.
 * Returns the assignee, or null when auto-assignment is off or nobody is online (the conversation waits
 * unassigned, and every member is notified).
 */
export async function autoAssign(trx: TenantTransaction, conversationId: string): Promise<string | null> {
  const settings = await trx
    .selectFrom('inboxSettings')
    .select(['autoAssign', 'lastAssignedUserId'])
    .forUpdate()
    .executeTakeFirst();
  if (!settings?.autoAssign) return null;
  const last = settings.lastAssignedUserId;
  let online = trx
    .selectFrom('memberPresence as p')
    .innerJoin('memberships as m', 'm.userId', 'p.userId')
    .select('p.userId')
    .where('p.onlineUntil', '>', sql<Date>`now()`);
  // Members after the last one first (false sorts before true), then from the start again.
  if (last) online = online.orderBy(sql`p.user_id <= ${last}::uuid`);
  const next = await online.orderBy('p.userId').limit(1).executeTakeFirst();
  if (!next) return null;
  await setAssignee(trx, conversationId, next.userId);
  await trx
    .updateTable('inboxSettings')
    .set({ lastAssignedUserId: next.userId, updatedAt: sql<Date>`now()` })
    .execute();
  return next.userId;
}
