import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';

/**
 * A member counts as online while one of their dashboard tabs holds a live socket. The hub refreshes
 * `online_until` every PRESENCE_REFRESH_MS while a socket is open; a process that dies stops refreshing, so
 * its members go offline by themselves PRESENCE_TTL_MS later (no cleanup needed).
 */
export const PRESENCE_TTL_MS = 90_000;
export const PRESENCE_REFRESH_MS = 30_000;

export async function markOnline(db: Db, tenantId: string, userId: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    await sql`
      insert into member_presence (user_id, online_until)
      select user_id, now() + ${`${PRESENCE_TTL_MS} milliseconds`}::interval
        from memberships where user_id = ${userId}::uuid
      on conflict (tenant_id, user_id) do update set online_until = excluded.online_until`.execute(trx);
  });
}

/** The member closed their last socket in this process (another process may still mark them online). */
export async function markOffline(db: Db, tenantId: string, userId: string): Promise<void> {
  await withTenant(db, tenantId, (trx) =>
    trx
      .updateTable('memberPresence')
      .set({ onlineUntil: sql<Date>`now()` })
      .where('userId', '=', userId)
      .execute(),
  );
}

/** Members online now, by user id. */
export async function onlineMembers(trx: TenantTransaction): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberPresence')
    .select('userId')
    .where('onlineUntil', '>', sql<Date>`now()`)
    .orderBy('userId')
    .execute();
  return rows.map((row) => row.userId);
}
