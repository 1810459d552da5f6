import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPool } from '../../src/platform/db/database.js';
import type { Metrics } from '../../src/platform/metrics/metrics.js';
import { deleteExpiredRateLimits } from '../../src/platform/rate-limit/cleanup.js';
import { createLimiterStore, type LimiterStore } from '../../src/platform/rate-limit/limiter-store.js';
import { buildTestApp, type ZodApp } from '../support/app.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Unique per run: the machine's Redis is shared, so keys are namespaced and removed afterwards. */
const RUN_PREFIX = `leadline-test-${randomBytes(6).toString('hex')}`;
const LIMITS = {
  RATE_LIMIT_API_PER_MINUTE: '3',
  RATE_LIMIT_AUTH_PER_MINUTE: '2',
  RATE_LIMIT_PUBLIC_FORM_PER_MINUTE: '2',
  RATE_LIMIT_WEBHOOK_PER_MINUTE: '2',
};

function testRoutes(app: ZodApp): void {
  app.get('/api/v1/test/ping', { config: { access: 'public' } }, async () => ({ ok: true }));
  app.post('/test/sign-in', { config: { access: 'public', rateLimit: 'auth' } }, async () => ({ ok: true }));
  app.get(
    '/test/guarded-sign-in',
    { config: { access: { permission: 'api-keys.manage' }, rateLimit: 'auth' } },
    async () => ({ ok: true }),
  );
  app.post(
    '/test/webhooks/:channelId',
    {
      config: { access: 'public', rateLimit: 'webhook' },
      schema: { params: z.object({ channelId: z.string() }) },
    },
    async () => ({ ok: true }),
  );
}

/** Every limiter key of this run gets RUN_PREFIX (and a per-app part), so runs and apps never collide. */
function namespaced(store: LimiterStore, scope: string): LimiterStore {
  return {
    create: (options) =>
      store.create({ ...options, keyPrefix: `${RUN_PREFIX}:${scope}:${options.keyPrefix}` }),
    close: () => store.close(),
  };
}

/** ioredis refuses commands until connected (no offline queue): wait, bounded, until a counter works. */
async function untilStoreWorks(store: LimiterStore): Promise<void> {
  const probe = store.create({ keyPrefix: `${RUN_PREFIX}:probe`, points: 1_000_000, durationSeconds: 60 });
  const deadline = Date.now() + 5_000;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe.consume('probe');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function counterValue(counter: Metrics['rateLimited'], tier: string): Promise<number> {
  return counter.get().then((m) => m.values.find((v) => v.labels.tier === tier)?.value ?? 0);
}

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    for (let round = 0; round < 1_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${RUN_PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
  await database?.drop();
});

describe.each(['PostgreSQL', 'Redis'] as const)('rate-limit tiers on the %s store', (storeName) => {
  let app: FastifyInstance;
  let metrics: Metrics;
  let store: LimiterStore;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    pool = createPool({ connectionString: database.appUrl, max: 2, applicationName: 'rate-limit-test' });
    const base = createLimiterStore({ pool, redisUrl: storeName === 'Redis' ? REDIS_URL : undefined });
    store = namespaced(base, storeName);
    await untilStoreWorks(store);
    ({ app, metrics } = await buildTestApp({
      database,
      env: LIMITS,
      extraRoutes: testRoutes,
      limiterStore: store,
    }));
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await pool?.end();
  });

  it("the 'api' tier answers 429 with Retry-After, X-RateLimit-* and the error envelope, and counts it", async () => {
    const ip = '198.51.100.10';
    const before = await counterValue(metrics.rateLimited, 'api');
    const ok = await app.inject({ method: 'GET', url: '/api/v1/test/ping', remoteAddress: ip });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-ratelimit-limit']).toBe('3');
    expect(ok.headers['x-ratelimit-remaining']).toBe('2');
    for (let i = 0; i < 2; i++) {
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/test/ping', remoteAddress: ip })).statusCode,
      ).toBe(200);
    }
    const limited = await app.inject({ method: 'GET', url: '/api/v1/test/ping', remoteAddress: ip });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({
      code: 'rate_limited',
      requestId: limited.headers['x-request-id'],
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    expect(await counterValue(metrics.rateLimited, 'api')).toBe(before + 1);

    // Another client still has its own budget.
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/test/ping', remoteAddress: '198.51.100.11' }))
        .statusCode,
    ).toBe(200);
  });

  it("V6.3.1 the 'auth' tier limits per client IP, counting requests that fail authentication", async () => {
    const ip = '203.0.113.20';
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await app.inject({ method: 'GET', url: '/test/guarded-sign-in', remoteAddress: ip })).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 429]);
    const other = await app.inject({
      method: 'GET',
      url: '/test/guarded-sign-in',
      remoteAddress: '203.0.113.21',
    });
    expect(other.statusCode).toBe(401);
  });

  it("the 'api' tier also counts failed authentication per IP: guessing keys runs into 429", async () => {
    const guess = (ip: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v1/api-keys/self',
        remoteAddress: ip,
        headers: { authorization: `Bearer ll_AAAAAAAAAAAAAAAA_${randomBytes(24).toString('base64url')}` },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await guess('198.51.100.66')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await guess('198.51.100.67')).statusCode).toBe(401);
  });

  it('V4.1.3 IPv6 clients share one budget per /64', async () => {
    const statuses: number[] = [];
    for (const address of ['2001:db8:7:8::1', '2001:db8:7:8::2', '2001:db8:7:8:ffff:1:2:3']) {
      const response = await app.inject({
        method: 'POST',
        url: '/test/sign-in',
        remoteAddress: address,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const otherNetwork = await app.inject({
      method: 'POST',
      url: '/test/sign-in',
      remoteAddress: '2001:db8:7:9::1',
    });
    expect(otherNetwork.statusCode).toBe(200);
  });

  it("the 'webhook' tier counts per route parameter (one channel cannot starve another)", async () => {
    const post = (channel: string) =>
      app.inject({ method: 'POST', url: `/test/webhooks/${channel}`, remoteAddress: '192.0.2.50' });
    expect([
      (await post('a')).statusCode,
      (await post('a')).statusCode,
      (await post('a')).statusCode,
    ]).toEqual([200, 200, 429]);
    expect((await post('b')).statusCode).toBe(200);
    expect(await counterValue(metrics.rateLimited, 'webhook')).toBeGreaterThanOrEqual(1);
  });

  it('a long route parameter still gets a working counter (keys are bounded for the store)', async () => {
    const channel = 'c'.repeat(190);
    const errorsBefore = await counterValue(metrics.rateLimitStoreErrors, 'webhook');
    const post = () => app.inject({ method: 'POST', url: `/test/webhooks/${channel}` });
    expect([(await post()).statusCode, (await post()).statusCode, (await post()).statusCode]).toEqual([
      200, 200, 429,
    ]);
    expect(await counterValue(metrics.rateLimitStoreErrors, 'webhook')).toBe(errorsBefore);
  });

  it("the 'public-form' tier limits CSP reports per client IP", async () => {
    const report = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/csp-reports',
        remoteAddress: '192.0.2.77',
        headers: { 'content-type': 'application/csp-report' },
        payload: JSON.stringify({
          'csp-report': { 'violated-directive': 'script-src', 'blocked-uri': 'inline' },
        }),
      });
    expect([(await report()).statusCode, (await report()).statusCode, (await report()).statusCode]).toEqual([
      204, 204, 429,
    ]);
  });

  it('routes outside /api/v1 without a tier are not limited', async () => {
    for (let i = 0; i < 6; i++) {
      const response = await app.inject({ method: 'GET', url: '/health', remoteAddress: '192.0.2.99' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});

describe("the 'api' tier keys on the caller", () => {
  it('each API key has its own budget, wherever its requests come from', async () => {
    const pool = createPool({ connectionString: database.appUrl, max: 1, applicationName: 'per-key' });
    const store = namespaced(createLimiterStore({ pool, redisUrl: REDIS_URL }), 'per-key');
    await untilStoreWorks(store);
    const { app, config } = await buildTestApp({ database, env: LIMITS, limiterStore: store });
    try {
      const tenant = await newTenant(database.db);
      const owner = await signedInMember(database.db, config, { tenantId: tenant, role: 'owner' });
      const keys: string[] = [];
      for (const name of ['one', 'two']) {
        const created = await app.inject({
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: owner.headers,
          payload: { name, scopes: ['admin'] },
        });
        keys.push(created.json().key);
      }
      const call = (key: string, ip: string) =>
        app.inject({
          method: 'GET',
          url: '/api/v1/api-keys/self',
          remoteAddress: ip,
          headers: { authorization: `Bearer ${key}` },
        });
      const first = keys[0] as string;
      const statuses = [
        (await call(first, '192.0.2.1')).statusCode,
        (await call(first, '192.0.2.2')).statusCode,
        (await call(first, '192.0.2.3')).statusCode,
        (await call(first, '192.0.2.4')).statusCode,
      ];
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await call(keys[1] as string, '192.0.2.1')).statusCode).toBe(200);
    } finally {
      await app.close();
      await store.close();
      await pool.end();
    }
  });
});

describe('when the limiter store is unreachable (V16.5.2 / V16.5.3)', () => {
  let app: FastifyInstance;
  let metrics: Metrics;
  let logs: CapturedLogger;
  let store: LimiterStore;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    // Nothing listens on port 1: every counter call fails at once.
    pool = createPool({ connectionString: database.appUrl, max: 1, applicationName: 'unused' });
    store = createLimiterStore({ pool, redisUrl: 'redis://127.0.0.1:1' });
    ({ app, metrics, logs } = await buildTestApp({
      database,
      env: LIMITS,
      extraRoutes: testRoutes,
      limiterStore: store,
    }));
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await pool?.end();
  });

  it("the 'api' tier fails open, with a warning and leadline_rate_limit_store_errors_total", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ method: 'GET', url: '/api/v1/test/ping' })).statusCode).toBe(200);
    }
    expect(await counterValue(metrics.rateLimitStoreErrors, 'api')).toBe(5);
    expect(logs.text()).toContain('rate-limit store unavailable; allowing (fail open)');
  });

  it("the 'webhook' tier fails open", async () => {
    expect((await app.inject({ method: 'POST', url: '/test/webhooks/a' })).statusCode).toBe(200);
  });

  it("the 'auth' tier fails closed with 503 (brute-force protection never silently disappears)", async () => {
    const response = await app.inject({ method: 'POST', url: '/test/sign-in' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('service_unavailable');
    expect(await counterValue(metrics.rateLimitStoreErrors, 'auth')).toBe(1);
  });

  it('the PostgreSQL store fails the same way when its database is unreachable', async () => {
    const deadPool = createPool({
      connectionString: 'postgres://nobody:x@127.0.0.1:1/none',
      max: 1,
      applicationName: 'dead',
    });
    const pgStore = createLimiterStore({ pool: deadPool, redisUrl: undefined });
    const { app: pgApp } = await buildTestApp({
      database,
      env: LIMITS,
      extraRoutes: testRoutes,
      limiterStore: pgStore,
    });
    try {
      expect((await pgApp.inject({ method: 'GET', url: '/api/v1/test/ping' })).statusCode).toBe(200);
      expect((await pgApp.inject({ method: 'POST', url: '/test/sign-in' })).statusCode).toBe(503);
    } finally {
      await pgApp.close();
      await deadPool.end();
    }
  });
});

describe('cleanup of the PostgreSQL store', () => {
  it('deletes counters whose window has ended and keeps live ones', async () => {
    const now = Date.now();
    const prefix = `${RUN_PREFIX}:cleanup`;
    await sql`insert into rate_limits (key, points, expire) values
      (${`${prefix}:old`}, 1, ${now - 1_000}), (${`${prefix}:live`}, 1, ${now + 60_000})`.execute(
      database.db,
    );
    const deleted = await deleteExpiredRateLimits(database.db, now);
    expect(deleted).toBeGreaterThanOrEqual(1);
    const { rows } = await sql<{
      key: string;
    }>`select key from rate_limits where key like ${`${prefix}:%`}`.execute(database.db);
    expect(rows.map((r) => r.key)).toEqual([`${prefix}:live`]);
  });
});
