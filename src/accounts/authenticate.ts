import { sql } from 'kysely';
import type { Config } from '../platform/config/config.js';
import { constantTimeEqual, sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import type { Role, Scope } from './permissions.js';
import type { ApiKeyPrincipal, SessionPrincipal } from './principal.js';

export interface Credentials {
  sessionToken: string | undefined;
  bearer: string | undefined;
  ip: string;
  /** false: check without refreshing the session's last activity (a background re-check). */
  touch?: boolean;
}

export type Authenticate = (credentials: Credentials) => Promise<SessionPrincipal | ApiKeyPrincipal | null>;

const API_KEY_FORMAT = /^ll_([A-Za-z0-9]{12,32})_([A-Za-z0-9_-]{22,64})$/;
/**
 * last_seen_at is refreshed at most this often, so reads do not all become writes; and at least four
 * times per idle timeout, or an active user would be taken for an idle one.
 */
const TOUCH_EVERY_MS = 60_000;

/** Resolves the caller from a session cookie or an API key; null when neither is valid. */
export function createAuthenticator(db: Db, config: Config): Authenticate {
  return async ({ sessionToken, bearer, ip, touch = true }) => {
    if (bearer) return apiKeyPrincipal(db, bearer, ip);
    if (sessionToken) return sessionPrincipal(db, config, sessionToken, touch);
    return null;
  };
}

async function sessionPrincipal(
  db: Db,
  config: Config,
  token: string,
  touch: boolean,
): Promise<SessionPrincipal | null> {
  const idleCutoff = new Date(Date.now() - config.accounts.sessionIdleTimeoutMs);
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.userId')
    .select([
      's.id',
      's.userId',
      's.activeTenantId',
      's.mfaPending',
      's.authenticatedAt',
      's.lastSeenAt',
      'u.totpEnabledAt',
    ])
    .where('s.tokenHash', '=', sha256(token))
    .where('s.revokedAt', 'is', null)
    .where('s.expiresAt', '>', sql<Date>`now()`)
    .where('s.lastSeenAt', '>', idleCutoff)
    .where('u.disabledAt', 'is', null)
    .executeTakeFirst();
  if (!row) return null;

  if (
    touch &&
    Date.now() - row.lastSeenAt.getTime() > Math.min(TOUCH_EVERY_MS, config.accounts.sessionIdleTimeoutMs / 4)
  ) {
    await db.updateTable('sessions').set({ lastSeenAt: sql`now()` }).where('id', '=', row.id).execute();
  }

  let role: Role | null = null;
  let tenantRequiresTwoFactor = false;
  if (row.activeTenantId) {
    const membership = await withTenant(db, row.activeTenantId, (trx) =>
      trx
        .selectFrom('memberships as m')
        .innerJoin('tenants as t', 't.id', 'm.tenantId')
        .select(['m.role', 't.requireTwoFactor'])
        .where('m.userId', '=', row.userId)
        .executeTakeFirst(),
    );
    role = membership?.role ?? null;
    tenantRequiresTwoFactor = membership?.requireTwoFactor ?? false;
  }
  return {
    kind: 'session',
    sessionId: row.id,
    userId: row.userId,
    tenantId: role ? row.activeTenantId : null,
    role,
    mfaPending: row.mfaPending,
    twoFactorEnabled: row.totpEnabledAt !== null,
    tenantRequiresTwoFactor,
    authenticatedAt: row.authenticatedAt,
  };
}

async function apiKeyPrincipal(db: Db, bearer: string, ip: string): Promise<ApiKeyPrincipal | null> {
  const match = API_KEY_FORMAT.exec(bearer);
  if (!match) return null;
  const [, publicId, secret] = match as unknown as [string, string, string];
  const { rows } = await sql<{
    id: string;
    tenantId: string;
    secretHash: Buffer;
    scopes: Scope[];
    expiresAt: Date | null;
    revokedAt: Date | null;
  }>`select * from auth_api_key(${publicId})`.execute(db);
  const key = rows[0];
  // Hash and compare even when the key is unknown, so timing does not tell which public ids exist.
  const matches = constantTimeEqual(sha256(secret), key?.secretHash ?? Buffer.alloc(32));
  if (!key || !matches) return null;
  const now = Date.now();
  if (key.revokedAt && key.revokedAt.getTime() <= now) return null;
  if (key.expiresAt && key.expiresAt.getTime() <= now) return null;
  await withTenant(db, key.tenantId, (trx) =>
    trx
      .updateTable('apiKeys')
      .set({ lastUsedAt: sql`now()`, lastUsedIp: ip })
      .where('id', '=', key.id)
      .execute(),
  );
  return { kind: 'api-key', apiKeyId: key.id, tenantId: key.tenantId, scopes: key.scopes };
}
