import { recordAudit } from '../audit/audit.repository.js';
import { type AutomationNotice, automationNotice } from '../plans/plans.service.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import {
  findUserByEmail,
  findUserById,
  revokeSession,
  revokeUserSessions,
  userTenants,
} from './accounts.repository.js';
import type { DashboardLocale, User } from './accounts.table.js';
import type { LoginThrottle } from './login-throttle.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import type { Principal, RequestContext, SessionPrincipal } from './principal.js';
import { assertRecentAuthentication } from './recent-authentication.js';
import { csrfTokenFor } from './session-tokens.js';
import {
  listLiveSessions,
  revokeOwnSession,
  type SessionSummary,
  setActiveTenant,
} from './sessions.repository.js';
import { type IssuedSession, issueSession } from './sessions.service.js';

export interface AuthDeps {
  db: Db;
  config: Config;
  throttle: LoginThrottle;
  metrics: Pick<Metrics, 'failedLogins' | 'throttledLogins'>;
}

export interface UserView {
  id: string;
  email: string;
  displayName: string | null;
  twoFactorEnabled: boolean;
  /** The dashboard language chosen in My account; null follows the browser. */
  locale: DashboardLocale | null;
}

/** Too many failures from this address (for this account): retry after the given number of seconds. */
export interface Throttled {
  kind: 'throttled';
  retryAfterSeconds: number;
}

export type LoginOutcome =
  | { kind: 'signed-in'; session: IssuedSession; user: UserView; mfaRequired: boolean }
  | Throttled;

/** One message for every failure, so the answer never tells whether the address has an account. */
const INVALID_CREDENTIALS = 'Invalid email or password';

function userView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    twoFactorEnabled: user.totpEnabledAt !== null,
    locale: user.locale,
  };
}

/** Runs `work` in one transaction with the audit entry; in the tenant's context when there is one. */
function audited<T>(db: Db, tenantId: string | null, work: (trx: Db) => Promise<T>): Promise<T> {
  return tenantId ? withTenant(db, tenantId, work) : db.transaction().execute(work);
}

/**
 * Password sign-in (email already canonical). Unknown address, wrong password and disabled account take
 * the same path through the throttle, one argon2 verification and one audit insert, and end in the same
 * 401 (ASVS 6.3.8). Success issues a new session (ASVS 7.2.4), `mfaPending` when the user has TOTP.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string; context: RequestContext },
): Promise<LoginOutcome> {
  const { db, config, throttle, metrics } = deps;
  const { email, password, context } = input;
  const attempt = await throttle.begin(email, context.ip);
  if (attempt.retryAfterSeconds > 0) {
    metrics.throttledLogins.inc();
    await recordAudit(db, {
      action: 'auth.login.throttled',
      tenantId: null,
      context,
      detail: { email, retryAfterSeconds: attempt.retryAfterSeconds },
    });
    return { kind: 'throttled', retryAfterSeconds: attempt.retryAfterSeconds };
  }

  const user = await findUserByEmail(db, email);
  const passwordOk = user
    ? await verifyPassword(user.passwordHash, password)
    : await verifyAgainstDummy(password);
  const reason = !user
    ? 'unknown_account'
    : !passwordOk
      ? 'wrong_password'
      : user.disabledAt
        ? 'disabled'
        : null;
  if (!user || reason) {
    metrics.failedLogins.inc();
    await throttle.recordFailure(email, context.ip, attempt);
    await recordAudit(db, {
      action: 'auth.login.failed',
      tenantId: null,
      actorUserId: null,
      context,
      detail: { email, reason, ...(user ? { userId: user.id } : {}) },
    });
    throw new AppError('unauthenticated', INVALID_CREDENTIALS);
  }

  const mfaRequired = user.totpEnabledAt !== null;
  const activeTenantId = (await userTenants(db, user.id))[0]?.tenantId ?? null;
  const session = await audited(db, activeTenantId, async (trx) => {
    const issued = await issueSession(trx, config, {
      userId: user.id,
      activeTenantId,
      mfaPending: mfaRequired,
      context,
    });
    await recordAudit(trx, {
      action: mfaRequired ? 'auth.login.second_factor_required' : 'auth.login.succeeded',
      tenantId: activeTenantId,
      actorUserId: user.id,
      context,
      detail: { sessionId: issued.sessionId },
    });
    return issued;
  });
  await throttle.recordSuccess(email, context.ip);
  return { kind: 'signed-in', session, user: userView(user), mfaRequired };
}

export async function logout(db: Db, principal: SessionPrincipal, context: RequestContext): Promise<void> {
  await audited(db, principal.tenantId, async (trx) => {
    await revokeSession(trx, principal.sessionId);
    await recordAudit(trx, {
      action: 'auth.logout',
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      context,
      detail: { sessionId: principal.sessionId },
    });
  });
}

export interface TenantView {
  id: string;
  name: string;
  role: 'owner' | 'admin' | 'agent';
  requireTwoFactor: boolean;
}

export interface SessionView {
  user: UserView;
  activeTenant: TenantView | null;
  tenants: TenantView[];
  csrfToken: string;
  mfaPending: boolean;
  /** Why the active workspace's bot or LLM is paused by its plan; null while nothing is paused. */
  automation: AutomationNotice | null;
}

/**
 * What the signed-in user's client needs. A session still owing its second factor learns nothing about
 * the user's workspaces.
 */
export async function describeSession(
  db: Db,
  config: Config,
  session: { sessionId: string; userId: string; mfaPending: boolean; activeTenantId: string | null },
): Promise<SessionView> {
  const user = await findUserById(db, session.userId);
  if (!user) throw new AppError('unauthenticated', 'Authentication required');
  const tenants = session.mfaPending
    ? []
    : (await userTenants(db, user.id)).map((t) => ({
        id: t.tenantId,
        name: t.tenantName,
        role: t.role,
        requireTwoFactor: t.requireTwoFactor,
      }));
  const activeTenant = tenants.find((t) => t.id === session.activeTenantId) ?? null;
  return {
    user: userView(user),
    activeTenant,
    tenants,
    csrfToken: csrfTokenFor(config.secretKey, session.sessionId),
    mfaPending: session.mfaPending,
    // Carried by the session the dashboard loads anyway, so every page's banner costs no request of its own.
    automation: activeTenant ? await withTenant(db, activeTenant.id, (trx) => automationNotice(trx)) : null,
  };
}

/** Moves the session to another of the user's workspaces; 404 for any other id (no existence leak). */
export async function switchTenant(
  db: Db,
  config: Config,
  principal: SessionPrincipal,
  tenantId: string,
  context: RequestContext,
): Promise<SessionView> {
  const membership = (await userTenants(db, principal.userId)).find((t) => t.tenantId === tenantId);
  if (!membership) throw new AppError('not_found', 'Workspace not found');
  await audited(db, tenantId, async (trx) => {
    await setActiveTenant(trx, principal.sessionId, tenantId);
    await recordAudit(trx, {
      action: 'auth.tenant.switched',
      tenantId,
      actorUserId: principal.userId,
      context,
      detail: { sessionId: principal.sessionId, fromTenantId: principal.tenantId },
    });
  });
  return describeSession(db, config, { ...principal, activeTenantId: tenantId });
}

export interface SessionListItem extends SessionSummary {
  current: boolean;
}

export async function listSessions(
  db: Db,
  config: Config,
  principal: SessionPrincipal,
): Promise<SessionListItem[]> {
  const idleCutoff = new Date(Date.now() - config.accounts.sessionIdleTimeoutMs);
  const sessions = await listLiveSessions(db, principal.userId, idleCutoff);
  return sessions.map((s) => ({ ...s, current: s.id === principal.sessionId }));
}

/** Ends one of the caller's own sessions; another user's id answers 404 like an unknown one. */
export async function endSession(
  db: Db,
  principal: SessionPrincipal,
  sessionId: string,
  context: RequestContext,
): Promise<void> {
  await audited(db, principal.tenantId, async (trx) => {
    if (!(await revokeOwnSession(trx, principal.userId, sessionId))) {
      throw new AppError('not_found', 'Session not found');
    }
    await recordAudit(trx, {
      action: 'auth.session.revoked',
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      context,
      detail: { sessionId, current: sessionId === principal.sessionId },
    });
  });
}

/** "Log out everywhere else" (ASVS 7.4.3): every session of the user but the calling one ends. */
export async function endOtherSessions(
  db: Db,
  principal: SessionPrincipal,
  context: RequestContext,
): Promise<number> {
  return audited(db, principal.tenantId, async (trx) => {
    const revoked = await revokeUserSessions(trx, principal.userId, principal.sessionId);
    await recordAudit(trx, {
      action: 'auth.sessions.revoked_others',
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      context,
      detail: { revoked, keptSessionId: principal.sessionId },
    });
    return revoked;
  });
}

/**
 * Confirms the password of the signed-in user and records it as a fresh authentication, which sensitive
 * changes require (ASVS 7.5.1). Guesses share the sign-in throttle of the account and IP.
 */
export async function reauthenticate(
  deps: AuthDeps,
  principal: SessionPrincipal,
  password: string,
  context: RequestContext,
): Promise<Throttled | { kind: 'reauthenticated'; session: IssuedSession }> {
  const { db, config, throttle, metrics } = deps;
  const user = await findUserById(db, principal.userId);
  if (!user) throw new AppError('unauthenticated', 'Authentication required');
  const attempt = await throttle.begin(user.email, context.ip);
  if (attempt.retryAfterSeconds > 0) {
    metrics.throttledLogins.inc();
    return { kind: 'throttled', retryAfterSeconds: attempt.retryAfterSeconds };
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    metrics.failedLogins.inc();
    await throttle.recordFailure(user.email, context.ip, attempt);
    await recordAudit(db, {
      action: 'auth.reauthentication.failed',
      tenantId: principal.tenantId,
      actorUserId: user.id,
      context,
      detail: { sessionId: principal.sessionId },
    });
    throw new AppError('forbidden', 'The password is not correct');
  }
  // A new session token on re-authentication too (ASVS 7.2.4): the old one ends, the new one carries
  // authenticated_at = now() and the same workspace.
  const session = await audited(db, principal.tenantId, async (trx) => {
    await revokeSession(trx, principal.sessionId);
    const issued = await issueSession(trx, config, {
      userId: user.id,
      activeTenantId: principal.tenantId,
      mfaPending: false,
      context,
    });
    await recordAudit(trx, {
      action: 'auth.reauthenticated',
      tenantId: principal.tenantId,
      actorUserId: user.id,
      context,
      detail: { sessionId: issued.sessionId, replacedSessionId: principal.sessionId },
    });
    return issued;
  });
  await throttle.recordSuccess(user.email, context.ip);
  return { kind: 'reauthenticated', session };
}

/**
 * For sensitive operations (changing e-mail, password or two-factor settings): the caller must be a
 * signed-in user who entered their password within REAUTH_WINDOW_MINUTES; otherwise 403 telling the
 * client to call POST /api/v1/auth/reauthenticate first.
 */
export function assertRecentlyAuthenticated(principal: Principal | null, config: Config): SessionPrincipal {
  if (principal?.kind !== 'session') throw new AppError('forbidden', 'This operation needs a signed-in user');
  assertRecentAuthentication(principal, config.accounts.reauthWindowMs);
  return principal;
}
