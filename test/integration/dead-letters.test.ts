import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { encodeCursor } from '../../src/platform/http/cursor.js';
import {
  discardSystemDeadLetters,
  replaySystemDeadLetters,
  systemDeadLetters,
} from '../../src/platform/jobs/dead-letters/dead-letters.service.js';
import { enqueue, enqueueSystem } from '../../src/platform/jobs/enqueue.js';
import { defineTask } from '../../src/platform/jobs/task.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';
import { addRawJob, jobsOfTask } from '../fixtures/graphile-jobs.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logs = captureLogger();
const metrics = createMetrics();

/** Markers whose jobs fail; a test removes its marker to let the replay succeed. */
const failing = new Set<string>();
const runs: string[] = [];
const flakyTask = defineTask({
  id: 'test.dlq-flaky',
  maxAttempts: 2,
  schema: z.object({
    marker: z.string(),
    contactId: z.uuid(),
    phone: z.string(),
    note: z.string(),
    n: z.number(),
  }),
  async handle(payload) {
    runs.push(payload.marker);
    if (failing.has(payload.marker)) throw new Error(`could not reach ${payload.phone}`);
  },
});
const onceTask = defineTask({
  id: 'test.dlq-once',
  maxAttempts: 1,
  schema: z.object({ marker: z.string() }),
  async handle(payload) {
    runs.push(payload.marker);
    if (failing.has(payload.marker)) throw new Error('always fails');
  },
});
const systemTask = defineTask({
  id: 'test.dlq-system',
  scope: 'system',
  maxAttempts: 1,
  schema: z.object({ marker: z.string(), email: z.string() }),
  async handle(payload) {
    runs.push(payload.marker);
    if (failing.has(payload.marker)) throw new Error('mail server refused');
  },
});

interface Letter {
  id: string;
  task: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  payload?: Record<string, unknown>;
}

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let workerPool: pg.Pool;
let worker: RunningWorker;
let tenantA: string;
let tenantB: string;
let adminA: SignedInMember;
let ownerA: SignedInMember;
let agentA: SignedInMember;
let ownerB: SignedInMember;
const CONTACT_ID = '6f1c3a52-8e0b-4c1e-9a57-3d2b1f0e4c77';

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantA = await newTenant(database.db, 'A');
  tenantB = await newTenant(database.db, 'B');
  adminA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'admin' });
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agentA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
  workerPool = createPool({ connectionString: database.appUrl, max: 4, applicationName: 'dlq-test-worker' });
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: logs.logger,
    tasks: [flakyTask, onceTask, systemTask],
    concurrency: 2,
    pollIntervalMs: 200,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
    deadLettered: metrics.jobsDeadLettered,
    deadLettersWaiting: metrics.jobsDeadLetters,
    deadLetterSweepMs: 300,
  });
});

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await app?.close();
  await database?.drop();
});

const api = (member: SignedInMember, method: 'GET' | 'POST', url: string, body?: unknown) =>
  app.inject({
    method,
    url,
    headers: member.headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });

async function list(
  member: SignedInMember,
  query = '',
): Promise<{ items: Letter[]; nextCursor: string | null }> {
  const response = await api(member, 'GET', `/api/v1/dead-letters${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function deadLetterOf(marker: string, tenantId: string): Promise<{ id: string }> {
  return waitFor(
    () =>
      database.ownerDb
        .selectFrom('deadLetters')
        .select('id')
        .where(sql`payload ->> 'marker'`, '=', marker)
        .where('tenantId', tenantId === 'system' ? 'is' : '=', tenantId === 'system' ? null : tenantId)
        .executeTakeFirst(),
    { timeoutMs: 20_000, description: `dead letter of ${marker}` },
  );
}

async function failOnce(tenantId: string, marker: string): Promise<string> {
  failing.add(marker);
  await withTenant(database.db, tenantId, (trx) =>
    enqueue(trx, onceTask, { marker }, { requestId: `req-${marker}` }),
  );
  return (await deadLetterOf(marker, tenantId)).id;
}

async function auditActions(tenantId: string, action: string) {
  return database.ownerDb
    .selectFrom('auditLog')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('action', '=', action)
    .execute();
}

describe('recording', () => {
  it('records a job that used up its attempts once, with task, tenant, payload, attempts and last error', async () => {
    failing.add('flaky-1');
    await withTenant(database.db, tenantA, (trx) =>
      enqueue(
        trx,
        flakyTask,
        { marker: 'flaky-1', contactId: CONTACT_ID, phone: '+393331234567', note: 'call me at 9', n: 3 },
        { requestId: 'req-flaky-1' },
      ),
    );
    const { id } = await deadLetterOf('flaky-1', tenantA);
    const rows = await database.ownerDb
      .selectFrom('deadLetters')
      .selectAll()
      .where('task', '=', flakyTask.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id,
      tenantId: tenantA,
      task: 'test.dlq-flaky',
      requestId: 'req-flaky-1',
      attempts: 2,
      maxAttempts: 2,
      status: 'dead',
      payload: {
        marker: 'flaky-1',
        contactId: CONTACT_ID,
        phone: '+393331234567',
        note: 'call me at 9',
        n: 3,
      },
    });
    expect(rows[0]?.lastError).toContain('could not reach');
    expect(runs.filter((m) => m === 'flaky-1')).toHaveLength(2);
    // Moved, not copied: graphile-worker no longer holds the job.
    expect(await jobsOfTask(database.ownerDb, flakyTask.id)).toEqual([]);
    const counter = await metrics.jobsDeadLettered.get();
    expect(counter.values.find((v) => v.labels.task === flakyTask.id)?.value).toBe(1);
    // The gauge counts every waiting dead letter, whichever process or tenant.
    await waitFor(async () => (await metrics.jobsDeadLetters.get()).values[0]?.value === 1, {
      timeoutMs: 5_000,
      description: 'the dead-letter gauge',
    });
  });

  it('records a job whose worker died on its last attempt once it is unlocked', async () => {
    // What the heartbeat sweep leaves of a killed worker's job: attempts used up, no lock, no error.
    const jobId = await addRawJob(
      database.ownerDb,
      onceTask.id,
      { tenantId: tenantA, requestId: 'req-crash', payload: { marker: 'crashed' } },
      { maxAttempts: 1, runAt: new Date(Date.now() + 3_600_000) },
    );
    await sql`update graphile_worker._private_jobs set attempts = 1 where id = ${jobId}::bigint`.execute(
      database.ownerDb,
    );
    const { id } = await deadLetterOf('crashed', tenantA);
    const row = await database.ownerDb
      .selectFrom('deadLetters')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    expect(row).toMatchObject({ jobId, attempts: 1, lastError: null, task: onceTask.id });
    expect(runs).not.toContain('crashed');
  });
});

describe('malformed jobs', () => {
  it('keeps a job with a malformed envelope or a deleted tenant, with no tenant, and goes on sweeping', async () => {
    const forged = await addRawJob(
      database.ownerDb,
      'test.garbled',
      { tenantId: 'not-a-uuid', payload: 1 },
      {
        maxAttempts: 1,
        runAt: new Date(Date.now() + 3_600_000),
      },
    );
    const orphan = await addRawJob(
      database.ownerDb,
      'test.garbled',
      { tenantId: '11111111-1111-4111-8111-111111111111', requestId: 'r', payload: {} },
      { maxAttempts: 1, runAt: new Date(Date.now() + 3_600_000) },
    );
    await sql`update graphile_worker._private_jobs set attempts = 1 where id in (${forged}::bigint, ${orphan}::bigint)`.execute(
      database.ownerDb,
    );
    const rows = await waitFor(
      async () => {
        const found = await database.ownerDb
          .selectFrom('deadLetters')
          .selectAll()
          .where('jobId', 'in', [forged, orphan])
          .orderBy('jobId')
          .execute();
        return found.length === 2 && found;
      },
      { timeoutMs: 10_000, description: 'both malformed jobs swept' },
    );
    expect(rows.map((row) => [row.tenantId, row.payload])).toEqual([
      [null, 1],
      [null, {}],
    ]);
  });
});

describe('GET /api/v1/dead-letters', () => {
  it("lists the workspace's dead letters for owners and admins, never another tenant's nor system ones", async () => {
    await failOnce(tenantB, 'b-secret');
    failing.add('sys-hidden');
    await enqueueSystem(
      database.db,
      systemTask,
      { marker: 'sys-hidden', email: 'x@example.com' },
      { requestId: 'r' },
    );
    await deadLetterOf('sys-hidden', 'system');

    const seenByA = (await list(adminA, '?limit=200')).items;
    expect(seenByA.map((l) => l.task)).toContain(flakyTask.id);
    expect(seenByA.map((l) => l.task)).not.toContain(systemTask.id);
    expect((await list(ownerA, '?limit=200')).items).toHaveLength(seenByA.length);
    const seenByB = (await list(ownerB, '?limit=200')).items;
    expect(seenByB).toHaveLength(1);
    expect(seenByB[0]?.task).toBe(onceTask.id);
    expect(seenByA.map((l) => l.id)).not.toContain(seenByB[0]?.id);
    // The application role, with no tenant set, sees nothing at all (system rows included).
    expect(await database.db.selectFrom('deadLetters').selectAll().execute()).toEqual([]);
  });

  it('refuses agents (403) and anonymous callers (401)', async () => {
    expect((await api(agentA, 'GET', '/api/v1/dead-letters')).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/dead-letters' })).statusCode).toBe(401);
  });

  it('filters by task and date and pages with a keyset cursor', async () => {
    await failOnce(tenantA, 'page-1');
    await failOnce(tenantA, 'page-2');
    const once = (await list(adminA, `?task=${onceTask.id}&limit=200`)).items;
    expect(once.length).toBeGreaterThanOrEqual(3);
    expect(once.every((l) => l.task === onceTask.id)).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Letter[]; nextCursor: string | null } = await list(
        adminA,
        `?task=${onceTask.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((l) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(once.map((l) => l.id));
    expect((await list(adminA, '?from=2999-01-01T00:00:00Z')).items).toEqual([]);
    expect((await list(adminA, '?to=2000-01-01T00:00:00Z')).items).toEqual([]);
  });
});

describe('GET /api/v1/dead-letters/:id', () => {
  it('shows the payload with personal data masked and ids kept', async () => {
    const { id } = await deadLetterOf('flaky-1', tenantA);
    const response = await api(adminA, 'GET', `/api/v1/dead-letters/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    const letter: Letter = response.json();
    expect(letter.payload).toEqual({
      marker: '[masked: 7 chars]',
      contactId: CONTACT_ID,
      phone: '[masked: 13 chars]',
      note: '[masked: 12 chars]',
      n: 3,
    });
    expect(response.body).not.toContain('3331234567');
    expect(letter.lastError).toContain('could not reach');
  });

  it("answers 404 for another tenant's dead letter", async () => {
    const { id } = await deadLetterOf('b-secret', tenantB);
    expect((await api(adminA, 'GET', `/api/v1/dead-letters/${id}`)).statusCode).toBe(404);
    expect((await api(ownerB, 'GET', `/api/v1/dead-letters/${id}`)).statusCode).toBe(200);
  });
});

describe('POST /api/v1/dead-letters/replay', () => {
  it('re-runs the job with a fresh attempt count, once however often it is asked, and audits the actor', async () => {
    const { id } = await deadLetterOf('flaky-1', tenantA);
    failing.delete('flaky-1');
    const first = await api(adminA, 'POST', '/api/v1/dead-letters/replay', { ids: [id] });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().replayed.map((l: Letter) => [l.id, l.status])).toEqual([[id, 'replayed']]);
    const second = await api(adminA, 'POST', '/api/v1/dead-letters/replay', { ids: [id, id] });
    expect(second.json()).toEqual({ replayed: [], alreadyReplayed: [id] });

    await waitFor(() => runs.filter((m) => m === 'flaky-1').length === 3, {
      timeoutMs: 10_000,
      description: 'the replay ran',
    });
    await waitFor(async () => (await jobsOfTask(database.ownerDb, flakyTask.id)).length === 0, {
      timeoutMs: 10_000,
    });
    expect(runs.filter((m) => m === 'flaky-1')).toHaveLength(3);
    // It succeeded: nothing new was dead-lettered.
    expect(
      await database.ownerDb.selectFrom('deadLetters').where('task', '=', flakyTask.id).selectAll().execute(),
    ).toHaveLength(1);
    const audits = await auditActions(tenantA, 'dead_letter.replayed');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorUserId: adminA.userId,
      detail: { deadLetterId: id, task: flakyTask.id },
    });
  });

  it('records a new dead letter when the replay fails again', async () => {
    const id = await failOnce(tenantA, 'again');
    const response = await api(ownerA, 'POST', '/api/v1/dead-letters/replay', { ids: [id] });
    expect(response.statusCode).toBe(200);
    await waitFor(
      () =>
        database.ownerDb
          .selectFrom('deadLetters')
          .select('id')
          .where(sql`payload ->> 'marker'`, '=', 'again')
          .where('id', '!=', id)
          .executeTakeFirst(),
      { timeoutMs: 10_000, description: 'second dead letter' },
    );
  });

  it("replays nothing when one id is unknown or another tenant's (404)", async () => {
    const mine = await failOnce(tenantA, 'mixed');
    const { id: theirs } = await deadLetterOf('b-secret', tenantB);
    const response = await api(adminA, 'POST', '/api/v1/dead-letters/replay', { ids: [mine, theirs] });
    expect(response.statusCode).toBe(404);
    const row = await database.ownerDb
      .selectFrom('deadLetters')
      .selectAll()
      .where('id', '=', mine)
      .executeTakeFirst();
    expect(row?.status).toBe('dead');
    const b = await database.ownerDb
      .selectFrom('deadLetters')
      .selectAll()
      .where('id', '=', theirs)
      .executeTakeFirst();
    expect(b?.status).toBe('dead');
  });
});

describe('POST /api/v1/dead-letters/discard', () => {
  it('deletes dead letters and audits each with the actor', async () => {
    const id = await failOnce(tenantA, 'discard-me');
    const response = await api(adminA, 'POST', '/api/v1/dead-letters/discard', { ids: [id] });
    expect(response.statusCode, response.body).toBe(204);
    expect((await api(adminA, 'GET', `/api/v1/dead-letters/${id}`)).statusCode).toBe(404);
    const audits = await auditActions(tenantA, 'dead_letter.discarded');
    expect(audits.map((a) => [a.actorUserId, a.detail.deadLetterId])).toEqual([[adminA.userId, id]]);
  });

  it("cannot discard another tenant's dead letter", async () => {
    const { id } = await deadLetterOf('b-secret', tenantB);
    expect((await api(adminA, 'POST', '/api/v1/dead-letters/discard', { ids: [id] })).statusCode).toBe(404);
    expect((await api(ownerB, 'GET', `/api/v1/dead-letters/${id}`)).statusCode).toBe(200);
  });
});

describe('system dead letters (no tenant)', () => {
  it('are recorded with no tenant, listed, replayed and discarded by operators, audited without a tenant', async () => {
    failing.add('sys-1');
    await enqueueSystem(
      database.db,
      systemTask,
      { marker: 'sys-1', email: 'ops@example.com' },
      { requestId: 'r1' },
    );
    const { id } = await deadLetterOf('sys-1', 'system');
    const page = await systemDeadLetters(database.ownerDb, { limit: 200 });
    expect(page.items.map((l) => l.id)).toContain(id);
    expect(page.items.every((l) => l.tenantId === null)).toBe(true);

    failing.delete('sys-1');
    const context = { requestId: 'cli-test', ip: '127.0.0.1', userAgent: 'leadline-cli' };
    const outcome = await replaySystemDeadLetters(database.ownerDb, context, [id]);
    expect(outcome.replayed.map((l) => l.id)).toEqual([id]);
    await waitFor(() => runs.filter((m) => m === 'sys-1').length === 2, { timeoutMs: 10_000 });
    await discardSystemDeadLetters(database.ownerDb, context, [id]);
    expect((await systemDeadLetters(database.ownerDb, { limit: 200 })).items.map((l) => l.id)).not.toContain(
      id,
    );
    const audits = await database.ownerDb
      .selectFrom('auditLog')
      .selectAll()
      .where('tenantId', 'is', null)
      .where('action', 'like', 'dead_letter.%')
      .execute();
    expect(audits.map((a) => [a.action, a.detail.deadLetterId, a.detail.via])).toEqual([
      ['dead_letter.replayed', id, 'cli'],
      ['dead_letter.discarded', id, 'cli'],
    ]);
  });

  it("are not reachable through a tenant's API", async () => {
    const { id } = await deadLetterOf('sys-hidden', 'system');
    expect((await api(ownerA, 'GET', `/api/v1/dead-letters/${id}`)).statusCode).toBe(404);
    expect((await api(ownerA, 'POST', '/api/v1/dead-letters/replay', { ids: [id] })).statusCode).toBe(404);
  });
});

describe('leadline dead-letters (CLI)', () => {
  it('lists and discards system dead letters only, and rejects a bad id before touching anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadline-dlq-cli-'));
    const env = {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      DATA_DIR: dir,
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      LOG_LEVEL: 'warn',
    };
    try {
      const { id: system } = await deadLetterOf('sys-hidden', 'system');
      const { id: tenant } = await deadLetterOf('b-secret', tenantB);
      const listed = await runLeadline(['dead-letters', 'list'], env, dir, 30_000);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(system);
      expect(listed.stdout).toContain(systemTask.id);
      expect(listed.stdout).not.toContain(tenant);
      expect(listed.stdout).not.toContain('x@example.com');

      const bad = await runLeadline(['dead-letters', 'discard', system, 'nope'], env, dir, 30_000);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('nope is not a dead letter id');
      const foreign = await runLeadline(['dead-letters', 'discard', tenant], env, dir, 30_000);
      expect(foreign.code).toBe(1);
      expect(foreign.stderr).toContain('Dead letter not found');

      const discarded = await runLeadline(['dead-letters', 'discard', system], env, dir, 30_000);
      expect(discarded.code, discarded.stderr).toBe(0);
      const after = await database.ownerDb
        .selectFrom('deadLetters')
        .select('id')
        .where('id', 'in', [system, tenant])
        .execute();
      expect(after.map((row) => row.id)).toEqual([tenant]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000); // four CLI processes, each allowed 30 s on a loaded machine
});

describe('API documentation', () => {
  it('describes the dead-letter routes in the OpenAPI document', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/dead-letters',
        '/api/v1/dead-letters/{id}',
        '/api/v1/dead-letters/replay',
        '/api/v1/dead-letters/discard',
      ]),
    );
  });
});

describe('bad input', () => {
  const unknownCursor = encodeCursor(new Date(), '00000000-0000-4000-8000-000000000000');
  it.each([
    ['GET', '/api/v1/dead-letters/not-a-uuid', undefined, 400],
    ['GET', '/api/v1/dead-letters/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['GET', '/api/v1/dead-letters?cursor=abc', undefined, 400],
    ['GET', '/api/v1/dead-letters?cursor=%00%01', undefined, 400],
    [
      'GET',
      `/api/v1/dead-letters?cursor=${Buffer.from('2026-01-01|x').toString('base64url')}`,
      undefined,
      400,
    ],
    ['GET', '/api/v1/dead-letters?limit=0', undefined, 400],
    ['GET', '/api/v1/dead-letters?limit=1e9', undefined, 400],
    ['GET', '/api/v1/dead-letters?from=yesterday', undefined, 400],
    ['GET', '/api/v1/dead-letters?status=lost', undefined, 400],
    ['GET', '/api/v1/dead-letters?task=DROP%20TABLE', undefined, 400],
    ['GET', '/api/v1/dead-letters?surprise=1', undefined, 400],
    ['POST', '/api/v1/dead-letters/replay', {}, 400],
    ['POST', '/api/v1/dead-letters/replay', { ids: [] }, 400],
    ['POST', '/api/v1/dead-letters/replay', { ids: ['x'] }, 400],
    ['POST', '/api/v1/dead-letters/replay', { ids: 'all' }, 400],
    ['POST', '/api/v1/dead-letters/replay', { ids: Array.from({ length: 101 }, () => CONTACT_ID) }, 400],
    ['POST', '/api/v1/dead-letters/replay', { ids: [CONTACT_ID], extra: true }, 400],
    ['POST', '/api/v1/dead-letters/discard', { ids: ['00000000-0000-4000-8000-000000000000'] }, 404],
    ['POST', '/api/v1/dead-letters/discard', [], 400],
  ] as const)('%s %s (case %#) answers %i', async (method, url, body, status) => {
    const response = await api(adminA, method, url, body);
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error.code).toBeTruthy();
  });

  it('a well-formed cursor past every row gives an empty page, not an error', async () => {
    const page = await list(adminA, `?cursor=${encodeURIComponent(unknownCursor)}&from=2999-01-01T00:00:00Z`);
    expect(page).toEqual({ items: [], nextCursor: null });
  });
});
