import type { Config } from '../platform/config/config.js';
import { sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { insertSession } from './accounts.repository.js';
import type { RequestContext } from './principal.js';
import { csrfTokenFor, newSessionToken } from './session-tokens.js';

export interface IssuedSession {
  sessionId: string;
  /** Goes into the cookie only; never stored, never logged. */
  token: string;
  csrfToken: string;
  maxAgeMs: number;
}

/**
 * Starts a new session (a new id at every sign-in: ASVS 7.2.4). `mfaPending` sessions can do nothing
 * but complete the second factor.
 */
export async function issueSession(
  db: Db,
  config: Config,
  input: { userId: string; activeTenantId: string | null; mfaPending: boolean; context: RequestContext },
): Promise<IssuedSession> {
  const token = newSessionToken();
  const maxAgeMs = input.mfaPending ? 5 * 60_000 : config.accounts.sessionAbsoluteTimeoutMs;
  const { id } = await insertSession(db, {
    tokenHash: sha256(token),
    userId: input.userId,
    activeTenantId: input.activeTenantId,
    mfaPending: input.mfaPending,
    expiresAt: new Date(Date.now() + maxAgeMs),
    ip: input.context.ip,
    userAgent: input.context.userAgent?.slice(0, 512) ?? null,
  });
  return { sessionId: id, token, csrfToken: csrfTokenFor(config.secretKey, id), maxAgeMs };
}
