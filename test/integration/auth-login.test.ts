import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginThrottle, type LoginThrottlePolicy } from '../../src/accounts/login-throttle.js';
import { SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { createPool } from '../../src/platform/db/database.js';
import { AppError } from '../../src/platform/http/app-error.js';
import type { Metrics } from '../../src/platform/metrics/metrics.js';
import { createLimiterStore } from '../../src/platform/rate-limit/limiter-store.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { buildTestApp } from '../support/app.js';
import { addMembership, createUser, login, PASSWORD, signIn } from '../support/sign-in.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let app: FastifyInstance;
let metrics: Metrics;
let ipCounter = 0;
/** A fresh client address per scenario, so throttling in one test cannot leak into another. */
const nextIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, metrics } = await buildTestApp({ database }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function withoutRequestId(body: string): unknown {
  const parsed = JSON.parse(body) as { error: Record<string, unknown> };
  const { requestId: _ignored, ...error } = parsed.error;
  return { error };
}

async function counterValue(name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

describe('sign-in', () => {
  it('V3.3.1 V3.3.3 V3.3.4 a successful sign-in sets a __Host- cookie that is Secure, HttpOnly, SameSite=Lax and Path=/', async () => {
    const user = await createUser(database.db);
    const response = await login(app, { email: user.email, password: PASSWORD }, { ip: nextIp() });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(SESSION_COOKIE.startsWith('__Host-')).toBe(true);
    expect(cookie).toMatchObject({ path: '/', httpOnly: true, secure: true, sameSite: 'Lax' });
    expect(cookie?.domain).toBeUndefined();
    expect(cookie?.value.length).toBeGreaterThanOrEqual(43);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      user: {
        id: user.id,
        email: user.email,
        displayName: 'Test User',
        twoFactorEnabled: false,
        locale: null,
      },
      csrfToken: expect.any(String),
      mfaRequired: false,
    });
    // Only the token's hash is stored.
    const stored = await database.ownerDb
      .selectFrom('sessions')
      .select(['tokenHash', 'mfaPending'])
      .where('userId', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(stored.tokenHash.toString('base64url')).not.toBe(cookie?.value);
    expect(stored.mfaPending).toBe(false);
  });

  it('accepts the address in another case and Unicode form (canonicalised once)', async () => {
    const user = await createUser(database.db, { email: 'mixed.case@example.com' });
    const response = await login(
      app,
      { email: ' Mixed.CASE@Example.COM ', password: PASSWORD },
      { ip: nextIp() },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json().user.id).toBe(user.id);
  });

  it('V7.2.4 every sign-in issues a new session id and token', async () => {
    const user = await createUser(database.db);
    const ip = nextIp();
    const first = await signIn(app, user.email, { ip });
    const second = await signIn(app, user.email, { ip });
    expect(second.token).not.toBe(first.token);
    expect(second.csrfToken).not.toBe(first.csrfToken);
    const sessions = await database.ownerDb
      .selectFrom('sessions')
      .select('id')
      .where('userId', '=', user.id)
      .execute();
    expect(new Set(sessions.map((s) => s.id)).size).toBe(2);
  });

  it('makes the first workspace of the user the active one', async () => {
    const user = await createUser(database.db);
    const zeta = await createTenant(database.db, { name: 'Zeta Ltd' });
    const alpha = await createTenant(database.db, { name: 'Alpha Ltd' });
    await addMembership(database.db, zeta.id, user.id, 'owner');
    await addMembership(database.db, alpha.id, user.id, 'agent');
    const signedIn = await signIn(app, user.email, { ip: nextIp() });
    const session = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      cookies: signedIn.cookie,
    });
    expect(session.statusCode).toBe(200);
    expect(session.json().activeTenant).toMatchObject({ id: alpha.id, name: 'Alpha Ltd', role: 'agent' });
    expect(session.json().tenants.map((t: { id: string }) => t.id)).toEqual([alpha.id, zeta.id]);
  });

  it('signs in a user without any workspace with no active one', async () => {
    const user = await createUser(database.db);
    const signedIn = await signIn(app, user.email, { ip: nextIp() });
    const session = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      cookies: signedIn.cookie,
    });
    expect(session.json()).toMatchObject({ activeTenant: null, tenants: [], mfaPending: false });
  });

  it('V6.3.8 login does not reveal whether an account exists: unknown, wrong password and disabled answer alike', async () => {
    const known = await createUser(database.db);
    const disabled = await createUser(database.db, { disabled: true });
    const responses = [
      await login(app, { email: 'nobody-here@example.com', password: PASSWORD }, { ip: nextIp() }),
      await login(app, { email: known.email, password: `${PASSWORD}!` }, { ip: nextIp() }),
      await login(app, { email: disabled.email, password: PASSWORD }, { ip: nextIp() }),
    ];
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(response.cookies).toEqual([]);
      expect(Object.keys(response.headers).sort()).toEqual(Object.keys(responses[0]!.headers).sort());
    }
    const bodies = responses.map((r) => withoutRequestId(r.body));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0]).toEqual({ error: { code: 'unauthenticated', message: 'Invalid email or password' } });
  });

  it('V6.3.8 login takes similar time for unknown, wrong-password and disabled accounts', async () => {
    const known = await createUser(database.db);
    const disabled = await createUser(database.db, { disabled: true });
    const scenarios = {
      unknown: (i: number) => ({ email: `ghost-${i}@example.com`, password: PASSWORD }),
      wrongPassword: () => ({ email: known.email, password: 'not the password at all' }),
      disabled: () => ({ email: disabled.email, password: PASSWORD }),
    };
    const means: Record<string, number> = {};
    // One IP per attempt: throttling must not shorten any path. Interleaved so drift hits all alike.
    const samples: Record<string, number[]> = { unknown: [], wrongPassword: [], disabled: [] };
    for (let round = 0; round < 5; round++) {
      for (const [name, body] of Object.entries(scenarios)) {
        const started = performance.now();
        const response = await login(app, body(round), { ip: nextIp() });
        samples[name]!.push(performance.now() - started);
        expect(response.statusCode).toBe(401);
      }
    }
    for (const [name, values] of Object.entries(samples)) {
      means[name] = values.reduce((a, b) => a + b, 0) / values.length;
    }
    const values = Object.values(means);
    expect(Math.max(...values) / Math.min(...values), JSON.stringify(means)).toBeLessThan(3);
  });

  it('V16.3.1 V16.2.5 audits every success and failure, never with the password, and counts failures', async () => {
    const user = await createUser(database.db);
    const before = await counterValue('leadline_auth_failed_logins_total');
    const ip = nextIp();
    await login(app, { email: user.email, password: 'Wrong-Password-123' }, { ip });
    await signIn(app, user.email, { ip });
    expect(await counterValue('leadline_auth_failed_logins_total')).toBe(before + 1);
    const entries = await database.ownerDb
      .selectFrom('auditLog')
      .selectAll()
      .where(sql<string>`detail->>'email'`, '=', user.email)
      .orderBy('id')
      .execute();
    expect(entries.map((e) => e.action)).toEqual(['auth.login.failed']);
    expect(entries[0]).toMatchObject({ tenantId: null, ip, userAgent: 'vitest' });
    expect(entries[0]?.detail).toMatchObject({ reason: 'wrong_password', userId: user.id });
    const succeeded = await database.ownerDb
      .selectFrom('auditLog')
      .selectAll()
      .where('actorUserId', '=', user.id)
      .where('action', '=', 'auth.login.succeeded')
      .execute();
    expect(succeeded).toHaveLength(1);
    const everything = JSON.stringify(
      await database.ownerDb.selectFrom('auditLog').select('detail').execute(),
    );
    expect(everything).not.toContain('Wrong-Password-123');
    expect(everything).not.toContain(PASSWORD);
  });

  it('V6.3.8 audits a failed sign-in for an unknown address without a tenant', async () => {
    await login(app, { email: 'unknown-audited@example.com', password: PASSWORD }, { ip: nextIp() });
    const entry = await database.ownerDb
      .selectFrom('auditLog')
      .selectAll()
      .where(sql<string>`detail->>'email'`, '=', 'unknown-audited@example.com')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ action: 'auth.login.failed', tenantId: null, actorUserId: null });
    expect(entry.detail).toMatchObject({ reason: 'unknown_account' });
  });

  it('answers 400, not 500, to malformed bodies', async () => {
    for (const payload of [
      { email: 'not-an-address', password: PASSWORD },
      { email: 'a\u200b@example.com', password: PASSWORD },
      { email: 'someone@example.com' },
      { email: 'someone@example.com', password: PASSWORD, role: 'owner' },
      { email: ['someone@example.com'], password: PASSWORD },
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload,
        remoteAddress: nextIp(),
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});

describe('OpenAPI', () => {
  it('documents the auth routes with their request and response schemas', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    const paths = response.json().paths as Record<
      string,
      Record<string, { responses: Record<string, unknown> }>
    >;
    expect(Object.keys(paths['/api/v1/auth/login']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '429', '503']),
    );
    for (const [path, method] of [
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/auth/session', 'get'],
      ['/api/v1/auth/switch-tenant', 'post'],
      ['/api/v1/auth/sessions', 'get'],
      ['/api/v1/auth/sessions/{id}', 'delete'],
      ['/api/v1/auth/sessions/revoke-others', 'post'],
      ['/api/v1/auth/reauthenticate', 'post'],
    ] as const) {
      expect(paths[path]?.[method]?.responses, `${method} ${path}`).toBeDefined();
    }
  });
});

describe('two-factor users', () => {
  it('get a session that owes the second factor and grants nothing else', async () => {
    const user = await createUser(database.db, { totp: true });
    const tenant = await createTenant(database.db, { name: 'MFA Ltd' });
    await addMembership(database.db, tenant.id, user.id, 'owner');
    const signedIn = await signIn(app, user.email, { ip: nextIp() });
    expect(signedIn.response.json()).toMatchObject({ mfaRequired: true, user: { twoFactorEnabled: true } });
    const row = await database.ownerDb
      .selectFrom('sessions')
      .select(['mfaPending', 'activeTenantId'])
      .where('userId', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ mfaPending: true, activeTenantId: tenant.id });

    const session = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      cookies: signedIn.cookie,
    });
    expect(session.statusCode).toBe(200);
    expect(session.json()).toMatchObject({ mfaPending: true, tenants: [], activeTenant: null });
    const list = await app.inject({ method: 'GET', url: '/api/v1/auth/sessions', cookies: signedIn.cookie });
    expect(list.statusCode).toBe(401);
    const switched = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/switch-tenant',
      headers: signedIn.headers,
      payload: { tenantId: tenant.id },
    });
    expect(switched.statusCode).toBe(401);
  });
});

describe('brute-force throttling', () => {
  it('V6.3.1 blocks an account+IP pair after five failures, with escalating blocks and Retry-After', async () => {
    const user = await createUser(database.db);
    const ip = nextIp();
    const wrong = { email: user.email, password: 'wrong password guess' };
    for (let i = 0; i < 5; i++) expect((await login(app, wrong, { ip })).statusCode).toBe(401);

    const throttledBefore = await counterValue('leadline_auth_throttled_total');
    // Even the right password is refused while the pair is blocked.
    const blocked = await login(app, { email: user.email, password: PASSWORD }, { ip });
    expect(blocked.statusCode).toBe(429);
    const firstBlock = Number(blocked.headers['retry-after']);
    expect(firstBlock).toBeGreaterThan(50);
    expect(firstBlock).toBeLessThanOrEqual(60);
    expect(blocked.json().error.code).toBe('rate_limited');
    expect(await counterValue('leadline_auth_throttled_total')).toBe(throttledBefore + 1);

    // Let the block run out (as if a minute had passed), then fail five more times: the block doubles.
    await database.ownerDb
      .updateTable('rateLimits')
      .set({ expire: String(Date.now() - 1) })
      .where('key', 'like', 'login:pair:%')
      .execute();
    for (let i = 0; i < 5; i++) expect((await login(app, wrong, { ip })).statusCode).toBe(401);
    const again = await login(app, wrong, { ip });
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(110);
    expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(120);
  });

  it('V6.3.1 never locks the real user out from another address', async () => {
    const user = await createUser(database.db);
    const attacker = nextIp();
    for (let i = 0; i < 7; i++)
      await login(app, { email: user.email, password: `guess-${i}-xyz` }, { ip: attacker });
    expect((await login(app, { email: user.email, password: PASSWORD }, { ip: attacker })).statusCode).toBe(
      429,
    );
    const owner = await login(app, { email: user.email, password: PASSWORD }, { ip: nextIp() });
    expect(owner.statusCode).toBe(200);
  });

  it('V6.3.8 a throttled attempt answers the same for an unknown and a known account', async () => {
    const user = await createUser(database.db);
    const ip = nextIp();
    const responses = [];
    for (const email of [user.email, 'no-such-account@example.com']) {
      for (let i = 0; i < 5; i++) await login(app, { email, password: 'wrong password guess' }, { ip });
      responses.push(await login(app, { email, password: 'wrong password guess' }, { ip }));
    }
    expect(responses.map((r) => r.statusCode)).toEqual([429, 429]);
    expect(withoutRequestId(responses[0]!.body)).toEqual(withoutRequestId(responses[1]!.body));
    expect(responses[1]!.headers['retry-after']).toBeDefined();
  });

  it('a successful sign-in resets the consecutive failures of the pair', async () => {
    const user = await createUser(database.db);
    const ip = nextIp();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++)
        await login(app, { email: user.email, password: 'wrong password guess' }, { ip });
      await signIn(app, user.email, { ip });
    }
    expect(
      (await login(app, { email: user.email, password: 'wrong password guess' }, { ip })).statusCode,
    ).toBe(401);
  });
});

describe('the login throttle on its own store', () => {
  const policy: LoginThrottlePolicy = {
    failuresBeforeBlock: 2,
    failureWindowSeconds: 3600,
    baseBlockSeconds: 10,
    maxBlockSeconds: 25,
    strikeWindowSeconds: 3600,
    ipFailures: 3,
    ipWindowSeconds: 3600,
    ipBlockSeconds: 600,
  };

  async function fail(throttle: ReturnType<typeof createLoginThrottle>, account: string, ip: string) {
    const attempt = await throttle.begin(account, ip);
    if (attempt.retryAfterSeconds === 0) await throttle.recordFailure(account, ip, attempt);
    return attempt.retryAfterSeconds;
  }

  it('V6.3.1 blocks an IP that fails across many accounts, per IPv6 /64', async () => {
    const pool = createPool({ connectionString: database.appUrl, max: 2, applicationName: 'throttle-test' });
    try {
      const throttle = createLoginThrottle(createLimiterStore({ pool, redisUrl: undefined }), policy, 'tip');
      const results = [];
      for (let i = 0; i < 4; i++)
        results.push(await fail(throttle, `victim-${i}@example.com`, `2001:db8:1:2::${i}`));
      expect(results.slice(0, 3)).toEqual([0, 0, 0]);
      expect(results[3]).toBeGreaterThan(590);
      // Another /64 is not affected.
      expect((await throttle.begin('victim-9@example.com', '2001:db8:1:3::1')).retryAfterSeconds).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('doubles the block of a pair up to the maximum', async () => {
    const pool = createPool({ connectionString: database.appUrl, max: 2, applicationName: 'throttle-test' });
    try {
      const throttle = createLoginThrottle(
        createLimiterStore({ pool, redisUrl: undefined }),
        { ...policy, ipFailures: 100 },
        'tesc',
      );
      const blocks = [];
      for (let round = 0; round < 3; round++) {
        await fail(throttle, 'target@example.com', '192.0.2.1');
        await fail(throttle, 'target@example.com', '192.0.2.1');
        blocks.push((await throttle.begin('target@example.com', '192.0.2.1')).retryAfterSeconds);
        await database.ownerDb
          .updateTable('rateLimits')
          .set({ expire: String(Date.now() - 1) })
          .where('key', 'like', 'tesc:pair:%')
          .execute();
      }
      expect(blocks).toEqual([10, 20, 25]);
    } finally {
      await pool.end();
    }
  });

  it('V16.5.3 fails closed: an unreachable store refuses sign-in with 503', async () => {
    const pool = createPool({ connectionString: database.appUrl, max: 1, applicationName: 'throttle-test' });
    const store = createLimiterStore({ pool, redisUrl: undefined });
    await pool.end();
    const throttle = createLoginThrottle(store, policy, 'tdown');
    const error = await throttle.begin('someone@example.com', '192.0.2.7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);

    const user = await createUser(database.db);
    const { app: downApp } = await buildTestApp({
      database,
      limiterStore: { create: store.create, close: async () => {} },
    });
    try {
      const response = await login(downApp, { email: user.email, password: PASSWORD }, { ip: nextIp() });
      expect(response.statusCode).toBe(503);
      expect(response.cookies).toEqual([]);
      const sessions = await database.ownerDb
        .selectFrom('sessions')
        .select('id')
        .where('userId', '=', user.id)
        .execute();
      expect(sessions).toEqual([]);
    } finally {
      await downApp.close();
    }
  });
});
