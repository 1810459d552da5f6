import { mayAssignRole, type Role } from '../accounts/permissions.js';
import type { RequestContext } from '../accounts/principal.js';
import { recordAudit } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import {
  deleteMembership,
  findMembership,
  listMembers,
  lockMembership,
  lockOwners,
  type MemberView,
  updateMemberRole,
} from './members.repository.js';
import { findCurrentTenant, renameTenant } from './tenants.repository.js';
import type { Tenant } from './tenants.table.js';

/** A signed-in member acting in their current tenant; their role comes from the membership just read. */
export interface MemberActor {
  tenantId: string;
  userId: string;
  role: Role;
  context: RequestContext;
}

export async function currentTenant(db: Db, tenantId: string): Promise<Tenant> {
  const tenant = await withTenant(db, tenantId, findCurrentTenant);
  if (!tenant) throw new AppError('not_found', 'Workspace not found');
  return tenant;
}

export async function renameCurrentTenant(db: Db, actor: MemberActor, name: string): Promise<Tenant> {
  return withTenant(db, actor.tenantId, async (trx) => {
    const before = await findCurrentTenant(trx);
    if (!before) throw new AppError('not_found', 'Workspace not found');
    const tenant = await renameTenant(trx, name);
    await audit(trx, actor, 'tenant.renamed', { from: before.name, to: tenant.name });
    return tenant;
  });
}

export async function membersPage(
  db: Db,
  tenantId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ items: MemberView[]; nextCursor: string | null }> {
  const rows = await withTenant(db, tenantId, (trx) =>
    listMembers(trx, { afterUserId: page.cursor, limit: page.limit + 1 }),
  );
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.userId ?? null) : null };
}

/**
 * Changes a member's role. Only an owner may make or unmake owners (mayAssignRole), and the last owner
 * cannot be demoted: a workspace without an owner could never again change its settings.
 */
export async function changeMemberRole(
  db: Db,
  actor: MemberActor,
  userId: string,
  role: Role,
): Promise<void> {
  await withTenant(db, actor.tenantId, async (trx) => {
    const owners = await lockOwners(trx);
    const actorRole = await currentRole(trx, actor);
    const target = await lockMembership(trx, userId);
    // 404, not 403: a user of another tenant is indistinguishable from no user at all (ASVS 8.4.1).
    if (!target) throw new AppError('not_found', 'Member not found');
    assertMayManage(actorRole, target.role, role);
    if (target.role === role) return;
    if (target.role === 'owner' && owners.length <= 1) {
      throw new AppError('conflict', 'The last owner cannot be demoted; make someone else owner first');
    }
    await updateMemberRole(trx, userId, role);
    await audit(trx, actor, 'member.role_changed', { userId, from: target.role, to: role });
  });
}

export async function removeMember(db: Db, actor: MemberActor, userId: string): Promise<void> {
  await withTenant(db, actor.tenantId, async (trx) => {
    const owners = await lockOwners(trx);
    const actorRole = await currentRole(trx, actor);
    const target = await lockMembership(trx, userId);
    if (!target) throw new AppError('not_found', 'Member not found');
    assertMayManage(actorRole, target.role, target.role);
    if (target.role === 'owner' && owners.length <= 1) {
      throw new AppError('conflict', 'The last owner cannot be removed; make someone else owner first');
    }
    await deleteMembership(trx, userId);
    await audit(trx, actor, 'member.removed', { userId, role: target.role });
  });
}

/**
 * The actor's role as of now, read after the owner rows are locked: a request authenticated just before
 * its actor was demoted must not act with the old role.
 */
async function currentRole(trx: TenantTransaction, actor: MemberActor): Promise<Role> {
  const membership = await findMembership(trx, actor.userId);
  if (!membership) throw new AppError('forbidden', 'You are no longer a member of this workspace');
  return membership.role;
}

function assertMayManage(actorRole: Role, currentRole: Role, newRole: Role): void {
  if (!mayAssignRole(actorRole, currentRole) || !mayAssignRole(actorRole, newRole)) {
    throw new AppError('forbidden', 'Only an owner may change, grant or remove the owner role');
  }
}

function audit(trx: TenantTransaction, actor: MemberActor, action: string, detail: Record<string, unknown>) {
  return recordAudit(trx, {
    action,
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    context: actor.context,
    detail,
  });
}
