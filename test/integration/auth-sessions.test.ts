import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRecentlyAuthenticated } from '../../src/accounts/auth.service.js';
import type { SessionPrincipal } from '../../src/accounts/principal.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { setUserEnabled } from '../../src/accounts/user-status.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { AppError } from '../../src/platform/http/app-error.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { addMembership, createUser, login, PASSWORD, sessionIdOf, signIn } from '../support/sign-in.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;

beforeAll(async () => {
  database = await createTestDatabase();
  // The smallest timeouts configuration allows: one minute idle, one hour absolute.
  ({ app, config } = await buildTestApp({
    database,
    env: {
      SESSION_IDLE_TIMEOUT_MINUTES: '1',
      SESSION_ABSOLUTE_TIMEOUT_HOURS: '1',
      REAUTH_WINDOW_MINUTES: '5',
    },
  }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const getSession = (cookies: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/v1/auth/session', cookies });

async function newSignedInUser() {
  const user = await createUser(database.db);
  return { user, session: await signIn(app, user.email) };
}

describe('CSRF', () => {
  it('V3.5.1 a cookie-authenticated POST without the CSRF header is refused with 403', async () => {
    const { session } = await newSignedInUser();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/revoke-others',
      cookies: session.cookie,
    });
    expect(response.statusCode).toBe(403);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/revoke-others',
      cookies: session.cookie,
      headers: { [CSRF_HEADER]: `${session.csrfToken.slice(0, -2)}xx` },
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('V3.5.1 a foreign Origin is refused even with the right token', async () => {
    const { session } = await newSignedInUser();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...session.headers, origin: 'https://evil.example' },
    });
    expect(response.statusCode).toBe(403);
    expect((await getSession(session.cookie)).statusCode).toBe(200);
  });

  it("V3.5.1 the session's token (and the app's own Origin) is accepted", async () => {
    const { session } = await newSignedInUser();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/revoke-others',
      headers: { ...session.headers, origin: new URL(config.http.publicUrl).origin },
    });
    expect(response.statusCode).toBe(200);
  });

  it("V3.5.1 another session's CSRF token does not work", async () => {
    const { user, session } = await newSignedInUser();
    const other = await signIn(app, user.email);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: session.cookie,
      headers: { [CSRF_HEADER]: other.csrfToken },
    });
    expect(response.statusCode).toBe(403);
  });

  it('V3.5.3 GET never changes state: state-changing endpoints do not answer GET', async () => {
    const { session } = await newSignedInUser();
    for (const url of [
      '/api/v1/auth/logout',
      '/api/v1/auth/sessions/revoke-others',
      '/api/v1/auth/switch-tenant',
      '/api/v1/auth/reauthenticate',
    ]) {
      const response = await app.inject({ method: 'GET', url, cookies: session.cookie });
      expect(response.statusCode, url).toBe(404);
    }
    const before = await database.ownerDb.selectFrom('sessions').select(['id', 'revokedAt']).execute();
    await getSession(session.cookie);
    await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', cookies: session.cookie });
    const after = await database.ownerDb.selectFrom('sessions').select(['id', 'revokedAt']).execute();
    expect(after).toEqual(before);
    expect((await getSession(session.cookie)).statusCode).toBe(200);
  });
});

describe('logout', () => {
  it('V7.4.1 ends the session on the server: the old cookie no longer works', async () => {
    const { user, session } = await newSignedInUser();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: session.headers,
    });
    expect(response.statusCode).toBe(204);
    const cleared = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cleared?.value).toBe('');
    expect(cleared?.path).toBe('/');
    expect((await getSession(session.cookie)).statusCode).toBe(401);
    const row = await database.ownerDb
      .selectFrom('sessions')
      .select('revokedAt')
      .where('userId', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.revokedAt).not.toBeNull();
    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select('action')
      .where('actorUserId', '=', user.id)
      .where('action', '=', 'auth.logout')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('V7.4.1 also ends a session still owing its second factor', async () => {
    const user = await createUser(database.db, { totp: true });
    const session = await signIn(app, user.email);
    expect((await getSession(session.cookie)).json().mfaPending).toBe(true);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: session.headers,
    });
    expect(response.statusCode).toBe(204);
    expect((await getSession(session.cookie)).statusCode).toBe(401);
  });
});

describe('timeouts', () => {
  async function setSession(id: string, values: { lastSeenAgoSeconds?: number; expiresInSeconds?: number }) {
    if (values.lastSeenAgoSeconds !== undefined) {
      await sql`update sessions set last_seen_at = now() - make_interval(secs => ${values.lastSeenAgoSeconds})
                where id = ${id}`.execute(database.ownerDb);
    }
    if (values.expiresInSeconds !== undefined) {
      await sql`update sessions set expires_at = now() + make_interval(secs => ${values.expiresInSeconds})
                where id = ${id}`.execute(database.ownerDb);
    }
  }

  it('V7.3.1 a session idle longer than SESSION_IDLE_TIMEOUT_MINUTES is refused', async () => {
    const { session } = await newSignedInUser();
    await setSession(await sessionIdOf(database.db, session), { lastSeenAgoSeconds: 61 });
    expect((await getSession(session.cookie)).statusCode).toBe(401);
  });

  it('V7.3.1 a session used within the idle timeout stays alive, and its use is recorded', async () => {
    const { session } = await newSignedInUser();
    const id = await sessionIdOf(database.db, session);
    await setSession(id, { lastSeenAgoSeconds: 40 });
    expect((await getSession(session.cookie)).statusCode).toBe(200);
    // 40 s later than that it would have been idle for 80 s, had the request not refreshed last_seen_at.
    const row = await database.ownerDb
      .selectFrom('sessions')
      .select(sql<number>`extract(epoch from now() - last_seen_at)`.as('idle'))
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(row.idle)).toBeLessThan(5);
  });

  it('V7.3.2 sessions end at SESSION_ABSOLUTE_TIMEOUT_HOURS after sign-in, however active', async () => {
    const { session } = await newSignedInUser();
    const id = await sessionIdOf(database.db, session);
    const row = await database.ownerDb
      .selectFrom('sessions')
      .select(sql<number>`extract(epoch from expires_at - created_at)`.as('lifetime'))
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Math.abs(Number(row.lifetime) - 3600)).toBeLessThan(5);
    const cookie = session.response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cookie?.maxAge).toBe(3600);

    await setSession(id, { lastSeenAgoSeconds: 0, expiresInSeconds: -1 });
    expect((await getSession(session.cookie)).statusCode).toBe(401);
  });
});

describe('disabling a user', () => {
  it('V7.4.2 ends all their sessions at once, is audited, and blocks sign-in until re-enabled', async () => {
    const user = await createUser(database.db);
    const first = await signIn(app, user.email, { ip: '203.0.113.21' });
    const second = await signIn(app, user.email, { ip: '203.0.113.22' });
    const change = await setUserEnabled(database.db, {
      email: user.email.toUpperCase(),
      enabled: false,
      context: null,
    });
    expect(change).toEqual({ userId: user.id, email: user.email, sessionsRevoked: 2 });
    expect((await getSession(first.cookie)).statusCode).toBe(401);
    expect((await getSession(second.cookie)).statusCode).toBe(401);
    const refused = await login(app, { email: user.email, password: PASSWORD }, { ip: '203.0.113.23' });
    expect(refused.statusCode).toBe(401);

    await setUserEnabled(database.db, { email: user.email, enabled: true, context: null });
    const again = await login(app, { email: user.email, password: PASSWORD }, { ip: '203.0.113.24' });
    expect(again.statusCode).toBe(200);
    const actions = await database.ownerDb
      .selectFrom('auditLog')
      .select('action')
      .where(sql<string>`detail->>'userId'`, '=', user.id)
      .where('action', 'like', 'user.%')
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['user.disabled', 'user.enabled']);
  });

  it('reports an unknown address as not found', async () => {
    const error = await setUserEnabled(database.db, {
      email: 'nobody@example.com',
      enabled: false,
      context: null,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('not_found');
  });
});

describe('leadline admin disable-user / enable-user', () => {
  it('V7.4.2 the CLI disables a user, ending their sessions, and enables them again', async () => {
    const { user, session } = await newSignedInUser();
    const cwd = mkdtempSync(path.join(tmpdir(), 'leadline-admin-'));
    const env = {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      DATA_DIR: cwd,
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      LOG_LEVEL: 'warn',
    };
    try {
      const disabled = await runLeadline(['admin', 'disable-user', '--email', user.email], env, cwd);
      expect(disabled.code, disabled.stderr).toBe(0);
      expect(disabled.stdout).toContain(`disabled ${user.email}; ended 1 session(s)`);
      expect((await getSession(session.cookie)).statusCode).toBe(401);

      const unknown = await runLeadline(['admin', 'disable-user', '--email', 'nobody@example.com'], env, cwd);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No user has the address nobody@example.com');

      const enabled = await runLeadline(['admin', 'enable-user', '--email', user.email], env, cwd);
      expect(enabled.code, enabled.stderr).toBe(0);
      expect((await login(app, { email: user.email, password: PASSWORD })).statusCode).toBe(200);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('session management', () => {
  it('lists only the caller’s own live sessions, marking the current one', async () => {
    const { user, session } = await newSignedInUser();
    const other = await signIn(app, user.email, { ip: '203.0.113.99', userAgent: 'Other Browser/1.0' });
    await newSignedInUser();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      cookies: session.cookie,
    });
    expect(response.statusCode).toBe(200);
    const items = response.json().items as { id: string; current: boolean; ip: string; userAgent: string }[];
    expect(items).toHaveLength(2);
    expect(items.find((s) => s.current)?.id).toBe(await sessionIdOf(database.db, session));
    expect(items.find((s) => !s.current)).toMatchObject({
      id: await sessionIdOf(database.db, other),
      ip: '203.0.113.99',
      userAgent: 'Other Browser/1.0',
    });
  });

  it('V7.4.3 revoke-others ends every other session and keeps the current one', async () => {
    const { user, session } = await newSignedInUser();
    const others = [await signIn(app, user.email), await signIn(app, user.email)];
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/revoke-others',
      headers: session.headers,
    });
    expect(response.json()).toEqual({ revoked: 2 });
    expect((await getSession(session.cookie)).statusCode).toBe(200);
    for (const other of others) expect((await getSession(other.cookie)).statusCode).toBe(401);
  });

  it('ends a chosen session of one’s own', async () => {
    const { user, session } = await newSignedInUser();
    const other = await signIn(app, user.email);
    const response = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${await sessionIdOf(database.db, other)}`,
      headers: session.headers,
    });
    expect(response.statusCode).toBe(204);
    expect((await getSession(other.cookie)).statusCode).toBe(401);
    expect((await getSession(session.cookie)).statusCode).toBe(200);
  });

  it("V8.2.2 user B cannot end user A's session: 404, and A's session lives on", async () => {
    const a = await newSignedInUser();
    const b = await newSignedInUser();
    const response = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${await sessionIdOf(database.db, a.session)}`,
      headers: b.session.headers,
    });
    expect(response.statusCode).toBe(404);
    const unknown = await app.inject({
      method: 'DELETE',
      url: '/api/v1/auth/sessions/00000000-0000-4000-8000-000000000000',
      headers: b.session.headers,
    });
    expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(response.body));
    expect((await getSession(a.session.cookie)).statusCode).toBe(200);
  });
});

function withoutRequestId(body: string): unknown {
  const { error } = JSON.parse(body) as { error: Record<string, unknown> };
  return { ...error, requestId: undefined };
}

describe('switching workspaces', () => {
  it('V8.4.1 switches only to a workspace the user belongs to; any other id is 404', async () => {
    const { user, session } = await newSignedInUser();
    const mine = await createTenant(database.db, { name: 'Mine' });
    const theirs = await createTenant(database.db, { name: 'Theirs' });
    await addMembership(database.db, mine.id, user.id, 'admin');
    const outsider = await createUser(database.db);
    await addMembership(database.db, theirs.id, outsider.id, 'owner');

    const switched = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/switch-tenant',
      headers: session.headers,
      payload: { tenantId: mine.id },
    });
    expect(switched.statusCode).toBe(200);
    expect(switched.json().activeTenant).toEqual({
      id: mine.id,
      name: 'Mine',
      role: 'admin',
      requireTwoFactor: false,
    });
    const row = await database.ownerDb
      .selectFrom('sessions')
      .select('activeTenantId')
      .where('id', '=', await sessionIdOf(database.db, session))
      .executeTakeFirstOrThrow();
    expect(row.activeTenantId).toBe(mine.id);

    for (const tenantId of [theirs.id, '00000000-0000-4000-8000-000000000000']) {
      const refused = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/switch-tenant',
        headers: session.headers,
        payload: { tenantId },
      });
      expect(refused.statusCode).toBe(404);
    }
    expect((await getSession(session.cookie)).json().activeTenant.id).toBe(mine.id);
  });
});

describe('re-authentication', () => {
  it('V7.5.1 V7.2.4 confirming the password starts a new session, recently authenticated, and ends the old one', async () => {
    const { session } = await newSignedInUser();
    const id = await sessionIdOf(database.db, session);
    await sql`update sessions set authenticated_at = now() - interval '10 minutes' where id = ${id}`.execute(
      database.ownerDb,
    );
    const principalOf = async (sessionId = id): Promise<SessionPrincipal> => {
      const row = await database.ownerDb
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      return {
        kind: 'session',
        sessionId,
        userId: row.userId,
        tenantId: null,
        role: null,
        mfaPending: false,
        twoFactorEnabled: false,
        tenantRequiresTwoFactor: false,
        authenticatedAt: row.authenticatedAt,
      };
    };
    expect(() => assertRecentlyAuthenticated(null, config)).toThrow(AppError);
    const stale = await principalOf();
    expect(() => assertRecentlyAuthenticated(stale, config)).toThrow(/password again/);

    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/reauthenticate',
      headers: session.headers,
      payload: { password: 'not my password' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(() => assertRecentlyAuthenticated(stale, config)).toThrow(AppError);

    const right = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/reauthenticate',
      headers: session.headers,
      payload: { password: PASSWORD },
    });
    expect(right.statusCode).toBe(200);
    const newCookie = right.cookies.find((c) => c.name === '__Host-leadline_session');
    expect(newCookie?.value).toBeTruthy();
    expect(right.json().csrfToken).toEqual(expect.any(String));
    // The old session token no longer works; the new one does.
    expect((await getSession(session.cookie)).statusCode).toBe(401);
    expect((await getSession({ '__Host-leadline_session': newCookie!.value })).statusCode).toBe(200);
    const replacement = await database.ownerDb
      .selectFrom('sessions')
      .select('id')
      .where('userId', '=', (await principalOf()).userId)
      .where('revokedAt', 'is', null)
      .executeTakeFirstOrThrow();
    expect(replacement.id).not.toBe(id);
    const fresh = await principalOf(replacement.id);
    expect(assertRecentlyAuthenticated(fresh, config)).toBe(fresh);
    const actions = await database.ownerDb
      .selectFrom('auditLog')
      .select('action')
      .where('actorUserId', '=', fresh.userId)
      .where('action', 'like', 'auth.reauth%')
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['auth.reauthentication.failed', 'auth.reauthenticated']);
  });

  it('V6.3.1 password guesses through re-authentication are throttled too', async () => {
    const { session } = await newSignedInUser();
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        headers: session.headers,
        payload: { password: `guess number ${i}` },
        remoteAddress: '203.0.113.77',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429]);
  });
});
