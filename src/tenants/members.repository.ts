import type { Role } from '../accounts/permissions.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { publishAccessChange } from '../realtime/access-changes.js';
import type { Membership } from './members.table.js';

export interface MemberView {
  userId: string;
  email: string;
  displayName: string | null;
  role: Role;
  createdAt: Date;
}

/**
 * The tenant's members with their (global) user details, ordered by user id for keyset pagination:
 * `afterUserId` is the last id of the previous page. RLS on `memberships` limits the rows to the tenant.
 */
export async function listMembers(
  trx: TenantTransaction,
  page: { afterUserId?: string | undefined; limit: number },
): Promise<MemberView[]> {
  let query = trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select(['m.userId', 'u.email', 'u.displayName', 'm.role', 'm.createdAt'])
    .orderBy('m.userId')
    .limit(page.limit);
  if (page.afterUserId) query = query.where('m.userId', '>', page.afterUserId);
  return query.execute();
}

export async function findMembership(
  trx: TenantTransaction,
  userId: string,
): Promise<Membership | undefined> {
  return trx.selectFrom('memberships').selectAll().where('userId', '=', userId).executeTakeFirst();
}

export async function findMemberByEmail(
  trx: TenantTransaction,
  email: string,
): Promise<Membership | undefined> {
  return trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .selectAll('m')
    .where('u.email', '=', email)
    .executeTakeFirst();
}

/** Adds a membership; an existing one is left as it is (returns false). */
export async function insertMembership(trx: TenantTransaction, userId: string, role: Role): Promise<boolean> {
  const row = await trx
    .insertInto('memberships')
    .values({ userId, role })
    .onConflict((oc) => oc.columns(['tenantId', 'userId']).doNothing())
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}

export async function updateMemberRole(trx: TenantTransaction, userId: string, role: Role): Promise<void> {
  await trx.updateTable('memberships').set({ role }).where('userId', '=', userId).execute();
  await publishAccessChange(trx, { scope: 'user', id: userId });
}

export async function deleteMembership(trx: TenantTransaction, userId: string): Promise<void> {
  await trx.deleteFrom('memberships').where('userId', '=', userId).execute();
  // The removed member's live sockets close at once, in every server process.
  await publishAccessChange(trx, { scope: 'user', id: userId });
}

/**
 * Locks the tenant's owner memberships and returns their user ids. Two concurrent demotions of the last
 * two owners would otherwise each see one other owner and both succeed.
 */
export async function lockOwners(trx: TenantTransaction): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberships')
    .select('userId')
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return rows.map((row) => row.userId);
}

/** Locks one membership row for the read-check-write of a role change or removal. */
export async function lockMembership(
  trx: TenantTransaction,
  userId: string,
): Promise<Membership | undefined> {
  return trx
    .selectFrom('memberships')
    .selectAll()
    .where('userId', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}
