import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectedMigrations } from '../../src/platform/db/migrator.js';
import { type Runtime, startRuntime } from '../../src/server.js';
import { buildTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NONE_CONFIGURED = {
  smtp: { state: 'not_configured' },
  redis: { state: 'not_configured' },
  s3: { state: 'not_configured' },
  whatsapp_breakers: { state: 'up', open: 0 },
  llm_breakers: { state: 'up', open: 0 },
};

/** A port something listens on, and one nothing does (bound, then closed). */
async function ports(): Promise<{ open: number; closed: number; close: () => Promise<void> }> {
  const listening = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const vacated = createServer();
  await new Promise<void>((resolve) => vacated.listen(0, '127.0.0.1', resolve));
  const closed = (vacated.address() as AddressInfo).port;
  await new Promise((resolve) => vacated.close(resolve));
  return {
    open: (listening.address() as AddressInfo).port,
    closed,
    close: () => new Promise((resolve) => listening.close(() => resolve())),
  };
}

describe('health and readiness routes', () => {
  it('/health answers 200 ok', async () => {
    const { app } = await buildTestApp();
    try {
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('/ready answers 200 when every check passes', async () => {
    const { app } = await buildTestApp();
    try {
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        status: 'ready',
        checks: { database: true, migrations: true, worker: true },
        dependencies: NONE_CONFIGURED,
      });
    } finally {
      await app.close();
    }
  });

  it('/ready answers 503 naming the check that failed', async () => {
    const { app } = await buildTestApp({
      readiness: async () => ({ database: true, migrations: false, worker: true }),
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        status: 'not_ready',
        checks: { database: true, migrations: false, worker: true },
        dependencies: NONE_CONFIGURED,
      });
    } finally {
      await app.close();
    }
  });

  it('/ready reports configured optional dependencies without failing on one that is down', async () => {
    const { open, closed, close } = await ports();
    const { app, metrics } = await buildTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${open}`,
        REDIS_URL: `redis://127.0.0.1:${closed}`,
      },
    });
    try {
      metrics.circuitBreakersOpen.set({ client: 'llm' }, 2);
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        status: 'ready',
        checks: { database: true, migrations: true, worker: true },
        dependencies: {
          ...NONE_CONFIGURED,
          smtp: { state: 'up' },
          redis: { state: 'down' },
          llm_breakers: { state: 'degraded', open: 2 },
        },
      });
    } finally {
      await app.close();
      await close();
    }
  });
});

/** The real readiness checks, through the same start-up path as `leadline serve`. */
describe('readiness of a running Leadline', () => {
  let database: TestDatabase;
  const runtimes: Runtime[] = [];

  async function start(worker: boolean): Promise<Runtime> {
    const config = testConfig({
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      PORT: '0',
      METRICS_PORT: '0',
    });
    const runtime = await startRuntime(config, {
      http: true,
      worker,
      migrate: false,
      stopEmbedded: 'if-started-here',
      logger: captureLogger().logger,
    });
    runtimes.push(runtime);
    return runtime;
  }

  async function ready(runtime: Runtime) {
    const response = await fetch(`${runtime.url}/ready`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, boolean> } };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  // Each runtime holds pools, a listener and maybe a worker: closed even when a test fails.
  afterEach(async () => {
    for (let runtime = runtimes.pop(); runtime; runtime = runtimes.pop()) await runtime.close();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('is ready with a reachable database, current migrations and an in-process worker', async () => {
    const runtime = await start(true);
    expect(runtime.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await ready(runtime)).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: { database: true, migrations: true, worker: true },
        dependencies: NONE_CONFIGURED,
      },
    });
  });

  it('without a worker, depends on a live heartbeat from another process', async () => {
    await database.ownerDb.deleteFrom('workerHeartbeats').execute();
    const runtime = await start(false);
    expect(await ready(runtime)).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        checks: { database: true, migrations: true, worker: false },
        dependencies: NONE_CONFIGURED,
      },
    });

    await database.ownerDb
      .insertInto('workerHeartbeats')
      .values({ workerId: 'elsewhere-1', hostname: 'worker-host', pid: 4242 })
      .execute();
    expect((await ready(runtime)).status).toBe(200);

    // A heartbeat older than WORKER_STALE_AFTER_SECONDS (60 by default) is a dead worker.
    await database.ownerDb
      .updateTable('workerHeartbeats')
      .set({ lastSeenAt: sql<Date>`now() - interval '5 minutes'` })
      .execute();
    expect((await ready(runtime)).body.checks.worker).toBe(false);
  });

  it('is not ready when an expected migration has not been applied', async () => {
    await database.ownerDb
      .insertInto('workerHeartbeats')
      .values({ workerId: 'elsewhere-2', hostname: 'worker-host', pid: 4243 })
      .execute();
    const runtime = await start(false);
    expect((await ready(runtime)).status).toBe(200);
    const newest = expectedMigrations().at(-1)!;
    await sql`delete from kysely_migration where name = ${newest}`.execute(database.ownerDb);
    expect(await ready(runtime)).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        checks: { database: true, migrations: false, worker: true },
        dependencies: NONE_CONFIGURED,
      },
    });
  });
});
