import { sql } from 'kysely';
import { findUserByEmail, findUserById, insertUser } from '../accounts/accounts.repository.js';
import type { User } from '../accounts/accounts.table.js';
import { assertAcceptablePassword, hashPassword } from '../accounts/passwords.js';
import { mayAssignRole, type Role } from '../accounts/permissions.js';
import type { RequestContext } from '../accounts/principal.js';
import { markAddressVerified, proveAddress } from '../accounts/proven-address.js';
import { type IssuedSession, issueSession } from '../accounts/sessions.service.js';
import { recordAudit } from '../audit/audit.repository.js';
import { assertPlanAllowsAnother } from '../plans/plans.service.js';
import type { Config } from '../platform/config/config.js';
import { randomToken, sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { queueInvitationMail } from './invitation-mail.js';
import {
  claimInvitation,
  type InvitationLookup,
  type InvitationSummary,
  insertInvitation,
  listPendingInvitations,
  lookupInvitation,
  revokeInvitation,
  revokePendingFor,
} from './invitations.repository.js';
import { findMemberByEmail, findMembership, insertMembership } from './members.repository.js';
import type { MemberActor } from './members.service.js';
import { findCurrentTenant } from './tenants.repository.js';

export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** One message for unknown, used, revoked and expired tokens: the caller learns nothing more. */
const INVALID = 'This invitation link is invalid or has expired';

export async function inviteMember(
  db: Db,
  config: Config,
  actor: MemberActor,
  input: { email: string; role: Role },
): Promise<InvitationSummary> {
  if (!mayAssignRole(actor.role, input.role)) {
    throw new AppError('forbidden', 'Only an owner may invite owners');
  }
  const token = randomToken(32);
  return withTenant(db, actor.tenantId, async (trx) => {
    if (await findMemberByEmail(trx, input.email)) {
      throw new AppError('conflict', 'This address already belongs to a member of the workspace');
    }
    const tenant = await findCurrentTenant(trx);
    if (!tenant) throw new AppError('not_found', 'Workspace not found');
    await revokePendingFor(trx, input.email);
    await assertPlanAllowsAnother(trx, 'members');
    const invitation = await insertInvitation(trx, {
      email: input.email,
      role: input.role,
      tokenHash: sha256(token),
      invitedBy: actor.userId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
    await queueInvitationMail(trx, config, {
      to: input.email,
      workspaceName: tenant.name,
      role: input.role,
      token,
      requestId: actor.context.requestId,
    });
    await recordAudit(trx, {
      action: 'invitation.created',
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      context: actor.context,
      detail: { invitationId: invitation.id, email: invitation.email, role: invitation.role },
    });
    return invitation;
  });
}

export async function pendingInvitations(db: Db, tenantId: string): Promise<InvitationSummary[]> {
  return withTenant(db, tenantId, (trx) => listPendingInvitations(trx, 200));
}

export async function cancelInvitation(db: Db, actor: MemberActor, id: string): Promise<void> {
  await withTenant(db, actor.tenantId, async (trx) => {
    const revoked = await revokeInvitation(trx, id);
    // Another tenant's invitation is invisible under RLS: it is "not found" like a made-up id.
    if (!revoked) throw new AppError('not_found', 'Invitation not found');
    await recordAudit(trx, {
      action: 'invitation.revoked',
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      context: actor.context,
      detail: { invitationId: id, email: revoked.email, role: revoked.role },
    });
  });
}

async function usableInvitation(db: Db, token: string): Promise<InvitationLookup> {
  const invitation = await lookupInvitation(db, sha256(token));
  const usable =
    invitation &&
    !invitation.acceptedAt &&
    !invitation.revokedAt &&
    invitation.expiresAt.getTime() > Date.now();
  if (!usable) throw new AppError('bad_request', INVALID);
  return invitation;
}

export interface AcceptedInvitation {
  tenantId: string;
  userId: string;
  role: Role;
  /** Set when the acceptance created the account: the new user is signed in. */
  session: IssuedSession | null;
}

/**
 * Accepts an invitation for an address that has no account yet: creates the account (the token proves
 * the mailbox, so the address counts as verified), adds the membership and signs the new user in.
 * An address that already has an account must accept while signed in (`acceptAsSignedInUser`), so a
 * leaked link can never attach a workspace to someone else's account or set their password.
 */
export async function acceptAsNewUser(
  db: Db,
  config: Config,
  input: { token: string; password: string; displayName: string | null; context: RequestContext },
): Promise<AcceptedInvitation> {
  const invitation = await usableInvitation(db, input.token);
  const existing = await findUserByEmail(db, invitation.email);
  // An account whose address was never proven does not stand in the way: the invitation proves it,
  // and its reader takes that account over (see proveAddress).
  if (existing?.emailVerifiedAt) {
    throw new AppError(
      'forbidden',
      'An account with this address exists: sign in as that user and accept the invitation there',
    );
  }
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const userId = await withTenant(db, invitation.tenantId, async (trx) => {
    if (!(await claimInvitation(trx, invitation.id))) throw new AppError('bad_request', INVALID);
    const userId = existing
      ? await takeOverUnproven(trx, existing, passwordHash, input)
      : await createInvitedUser(trx, invitation.email, passwordHash, input.displayName);
    await insertMembership(trx, userId, invitation.role);
    await auditAccepted(trx, invitation, userId, input.context, !existing);
    return userId;
  });
  const session = await issueSession(db, config, {
    userId,
    activeTenantId: invitation.tenantId,
    mfaPending: false,
    context: input.context,
  });
  return { tenantId: invitation.tenantId, userId, role: invitation.role, session };
}

async function createInvitedUser(
  trx: Db,
  email: string,
  passwordHash: string,
  displayName: string | null,
): Promise<string> {
  const user = await insertUser(trx, {
    email,
    displayName,
    passwordHash,
    emailVerifiedAt: new Date(),
    totpSecret: null,
    totpEnabledAt: null,
    totpLastStep: null,
    disabledAt: null,
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) {
      throw new AppError('conflict', 'An account with this address was just created; sign in instead', {
        cause: error,
      });
    }
    throw error;
  });
  return user.id;
}

/** The unproven account at the invited address becomes the invitee's, with the password just chosen. */
async function takeOverUnproven(
  trx: Db,
  existing: User,
  passwordHash: string,
  input: { displayName: string | null; context: RequestContext },
): Promise<string> {
  // Locked and re-read: a concurrent proof (a reset) must not be overwritten by this one.
  const current = await trx
    .selectFrom('users')
    .selectAll()
    .where('id', '=', existing.id)
    .forUpdate()
    .executeTakeFirst();
  if (!current || current.emailVerifiedAt || current.disabledAt) {
    throw new AppError(
      'forbidden',
      'An account with this address exists: sign in as that user and accept the invitation there',
    );
  }
  await proveAddress(trx, current, input.context, 'invitation');
  await trx
    .updateTable('users')
    .set({
      passwordHash,
      passwordChangedAt: sql`now()`,
      displayName: input.displayName ?? current.displayName,
      updatedAt: sql`now()`,
    })
    .where('id', '=', current.id)
    .execute();
  return current.id;
}

/** Accepts an invitation as the signed-in user, who must be the invited address's account. */
export async function acceptAsSignedInUser(
  db: Db,
  input: { token: string; userId: string; context: RequestContext },
): Promise<AcceptedInvitation> {
  const invitation = await usableInvitation(db, input.token);
  const user = await findUserById(db, input.userId);
  if (!user || user.email !== invitation.email) {
    throw new AppError('forbidden', 'This invitation was sent to another address; sign in as that user');
  }
  const role = await withTenant(db, invitation.tenantId, async (trx) => {
    if (!(await claimInvitation(trx, invitation.id))) throw new AppError('bad_request', INVALID);
    // The link reached this address's mailbox and its reader is signed in as the account: proven.
    await markAddressVerified(trx, user.id);
    // Already a member: the invitation is used up and the existing role stays (no silent up- or downgrade).
    const added = await insertMembership(trx, user.id, invitation.role);
    await auditAccepted(trx, invitation, user.id, input.context, false);
    if (added) return invitation.role;
    return (await findMembership(trx, user.id))?.role ?? invitation.role;
  });
  return { tenantId: invitation.tenantId, userId: user.id, role, session: null };
}

function auditAccepted(
  trx: Parameters<typeof recordAudit>[0],
  invitation: InvitationLookup,
  userId: string,
  context: RequestContext,
  accountCreated: boolean,
) {
  return recordAudit(trx, {
    action: 'invitation.accepted',
    tenantId: invitation.tenantId,
    actorUserId: userId,
    context,
    detail: { invitationId: invitation.id, userId, role: invitation.role, accountCreated },
  });
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
