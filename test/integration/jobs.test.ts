import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listContacts, upsertContact } from '../../src/contacts/contacts.repository.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { enqueue } from '../../src/platform/jobs/enqueue.js';
import { defineTask } from '../../src/platform/jobs/task.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { addRawJob, findJob, jobsOfTask } from '../fixtures/graphile-jobs.js';
import { waitFor } from '../fixtures/wait-for.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const POLL_INTERVAL_MS = 200;
const logs = captureLogger();

interface Run {
  jobId: string;
  tenantId: string;
  requestId: string;
  attempt: number;
  contacts: (string | null)[];
}

/** What each task saw, keyed by the marker its payload carried. */
const echoRuns = new Map<string, Run>();
const echoTask = defineTask({
  id: 'test.echo',
  schema: z.object({ marker: z.string().min(1) }),
  async handle(payload, ctx) {
    const contacts = await ctx.withTenant((trx) => listContacts(trx));
    echoRuns.set(payload.marker, {
      jobId: ctx.jobId,
      tenantId: ctx.tenantId,
      requestId: ctx.requestId,
      attempt: ctx.attempt,
      contacts: contacts.map((c) => c.displayName),
    });
  },
});

const strictRuns: number[] = [];
const strictTask = defineTask({
  id: 'test.strict',
  schema: z.object({ count: z.number().int() }),
  async handle(payload) {
    strictRuns.push(payload.count);
  },
});

const sequenceEvents: string[] = [];
const sequenceTask = defineTask({
  id: 'test.sequence',
  schema: z.object({ index: z.number().int() }),
  async handle(payload) {
    sequenceEvents.push(`start ${payload.index}`);
    // Long enough that a second worker, were the queue not serialising, would start the next job meanwhile.
    await sleep(15);
    sequenceEvents.push(`end ${payload.index}`);
  },
});

const overlap = { running: 0, maxRunning: 0 };
const overlapTask = defineTask({
  id: 'test.overlap',
  schema: z.object({ lane: z.string() }),
  async handle() {
    overlap.running += 1;
    overlap.maxRunning = Math.max(overlap.maxRunning, overlap.running);
    try {
      // Each job waits (bounded) for the other to start: only jobs that may overlap ever reach two at once.
      await waitFor(() => overlap.maxRunning >= 2, { timeoutMs: 3_000 }).catch(() => undefined);
    } finally {
      overlap.running -= 1;
    }
  },
});

let database: TestDatabase;
let workerPool: pg.Pool;
let worker: RunningWorker;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  database = await createTestDatabase();
  tenantA = (await createTenant(database.db, { name: 'Tenant A' })).id;
  tenantB = (await createTenant(database.db, { name: 'Tenant B' })).id;
  await withTenant(database.db, tenantA, (trx) =>
    upsertContact(trx, { phoneE164: '+393331234567', displayName: 'Alice' }),
  );
  await withTenant(database.db, tenantB, (trx) =>
    upsertContact(trx, { phoneE164: '+5511987654321', displayName: 'Bruno' }),
  );
  workerPool = createPool({ connectionString: database.appUrl, max: 4, applicationName: 'jobs-test-worker' });
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: logs.logger,
    tasks: [echoTask, strictTask, sequenceTask, overlapTask],
    concurrency: 2,
    pollIntervalMs: POLL_INTERVAL_MS,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
  });
});

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await database?.drop();
});

const ran = (marker: string) =>
  waitFor(() => echoRuns.get(marker), { timeoutMs: 10_000, description: marker });

describe('enqueue in the caller transaction', () => {
  it('a job enqueued in a transaction that rolls back never exists; one that commits runs', async () => {
    class Rollback extends Error {}
    let rolledBackJobId: string | undefined;
    await expect(
      withTenant(database.db, tenantA, async (trx) => {
        rolledBackJobId = (
          await enqueue(trx, echoTask, { marker: 'rolled-back' }, { requestId: 'req-rollback' })
        ).jobId;
        throw new Rollback('undo the state change');
      }),
    ).rejects.toBeInstanceOf(Rollback);
    const { jobId } = await withTenant(database.db, tenantA, (trx) =>
      enqueue(trx, echoTask, { marker: 'committed' }, { requestId: 'req-commit' }),
    );

    expect((await ran('committed')).jobId).toBe(jobId);
    expect(rolledBackJobId).toBeDefined();
    // Row first, then runs: had the job existed, it is either still stored or its run was recorded.
    expect(await findJob(database.ownerDb, rolledBackJobId!)).toBeUndefined();
    expect(echoRuns.has('rolled-back')).toBe(false);
  });

  it("the handler gets the enqueuing tenant and request id, and sees only that tenant's rows", async () => {
    const a = await withTenant(database.db, tenantA, (trx) =>
      enqueue(trx, echoTask, { marker: 'tenant-a' }, { requestId: 'req-a' }),
    );
    const b = await withTenant(database.db, tenantB, (trx) =>
      enqueue(trx, echoTask, { marker: 'tenant-b' }, { requestId: 'req-b' }),
    );

    expect(await ran('tenant-a')).toEqual({
      jobId: a.jobId,
      tenantId: tenantA,
      requestId: 'req-a',
      attempt: 1,
      contacts: ['Alice'],
    });
    expect(await ran('tenant-b')).toEqual({
      jobId: b.jobId,
      tenantId: tenantB,
      requestId: 'req-b',
      attempt: 1,
      contacts: ['Bruno'],
    });
  });

  it('the stored payload carries the tenant id of the transaction, beside the request id', async () => {
    const runAt = new Date(Date.now() + 3_600_000);
    const { jobId } = await withTenant(database.db, tenantB, (trx) =>
      enqueue(trx, echoTask, { marker: 'stored' }, { requestId: 'req-stored', runAt }),
    );
    try {
      const stored = await findJob(database.ownerDb, jobId);
      expect(stored).toMatchObject({
        taskIdentifier: 'test.echo',
        attempts: 0,
        lockedBy: null,
        payload: { tenantId: tenantB, requestId: 'req-stored', payload: { marker: 'stored' } },
      });
      // The public view (which hides payloads) lists the same job for anyone inspecting the queue.
      const { rows } = await sql<{ taskIdentifier: string }>`
        select task_identifier from graphile_worker.jobs where id = ${jobId}::bigint`.execute(
        database.ownerDb,
      );
      expect(rows).toEqual([{ taskIdentifier: 'test.echo' }]);
    } finally {
      await sql`delete from graphile_worker._private_jobs where id = ${jobId}::bigint`.execute(
        database.ownerDb,
      );
    }
  });

  it('an invalid payload is refused at enqueue and nothing is queued, even if the transaction commits', async () => {
    await withTenant(database.db, tenantA, async (trx) => {
      await expect(
        enqueue(trx, echoTask, { marker: 42 } as unknown as { marker: string }, { requestId: 'req-invalid' }),
      ).rejects.toBeInstanceOf(z.ZodError);
      await expect(
        enqueue(trx, echoTask, { marker: '' }, { requestId: 'req-invalid' }),
      ).rejects.toBeInstanceOf(z.ZodError);
    });
    const queued = await jobsOfTask(database.ownerDb, 'test.echo');
    expect(queued.filter((job) => JSON.stringify(job.payload).includes('req-invalid'))).toEqual([]);
  });
});

describe('payload validation at dequeue', () => {
  it('a stored payload that fails its schema (or the envelope) fails the job with last_error; the handler never runs', async () => {
    const badPayload = await addRawJob(
      database.ownerDb,
      strictTask.id,
      { tenantId: tenantA, requestId: 'req-raw', payload: { count: 'many' } },
      { maxAttempts: 1 },
    );
    const badEnvelope = await addRawJob(
      database.ownerDb,
      strictTask.id,
      { requestId: 'req-raw', payload: { count: 1 } },
      { maxAttempts: 1 },
    );
    // A job that used up its attempts leaves the queue for the dead-letter queue, last error and all.
    const failed = (id: string) =>
      database.ownerDb
        .selectFrom('deadLetters')
        .select(['attempts', 'maxAttempts', 'lastError'])
        .where('jobId', '=', id)
        .executeTakeFirst();

    const payloadJob = await waitFor(() => failed(badPayload), {
      timeoutMs: 10_000,
      description: 'bad payload',
    });
    const envelopeJob = await waitFor(() => failed(badEnvelope), {
      timeoutMs: 10_000,
      description: 'bad envelope',
    });
    expect(payloadJob).toMatchObject({ attempts: 1, maxAttempts: 1 });
    expect(payloadJob.lastError).toMatch(/count/);
    expect(await findJob(database.ownerDb, badPayload)).toBeUndefined();
    expect(envelopeJob).toMatchObject({ attempts: 1, maxAttempts: 1 });
    expect(envelopeJob.lastError).toMatch(/tenantId/);
    expect(strictRuns).toEqual([]);

    // The same task with a valid payload does reach its handler, and the worker is still serving.
    await withTenant(database.db, tenantA, (trx) =>
      enqueue(trx, strictTask, { count: 7 }, { requestId: 'req-ok' }),
    );
    await waitFor(() => strictRuns.length > 0, { timeoutMs: 10_000, description: 'valid strict job' });
    expect(strictRuns).toEqual([7]);
    expect(worker.isRunning()).toBe(true);
  });
});

describe('queues and keys', () => {
  it('jobs sharing a queue name run one at a time, in enqueue order', async () => {
    const count = 20;
    const ids: string[] = [];
    // Half in separate transactions, half in one: the queue's order key must not tie within a transaction.
    for (let index = 0; index < count / 2; index++) {
      const { jobId } = await withTenant(database.db, tenantA, (trx) =>
        enqueue(trx, sequenceTask, { index }, { requestId: `req-seq-${index}`, queueName: 'serial' }),
      );
      ids.push(jobId);
    }
    await withTenant(database.db, tenantA, async (trx) => {
      for (let index = count / 2; index < count; index++) {
        const { jobId } = await enqueue(
          trx,
          sequenceTask,
          { index },
          { requestId: `req-seq-${index}`, queueName: 'serial' },
        );
        ids.push(jobId);
      }
    });
    await waitFor(() => sequenceEvents.length >= count * 2, {
      timeoutMs: 20_000,
      description: 'all 20 jobs',
    });

    const expected = Array.from({ length: count }, (_, i) => [`start ${i}`, `end ${i}`]).flat();
    expect(sequenceEvents).toEqual(expected);
    // Completion is written just after the handler returns.
    await waitFor(
      async () => (await jobsOfTask(database.ownerDb, sequenceTask.id)).every((job) => !ids.includes(job.id)),
      { timeoutMs: 5_000, description: 'the sequence jobs to be completed' },
    );
  });

  it('jobs on different queues may run at the same time', async () => {
    await withTenant(database.db, tenantA, async (trx) => {
      await enqueue(trx, overlapTask, { lane: 'left' }, { requestId: 'req-left', queueName: 'left' });
      await enqueue(trx, overlapTask, { lane: 'right' }, { requestId: 'req-right', queueName: 'right' });
    });
    await waitFor(async () => (await jobsOfTask(database.ownerDb, overlapTask.id)).length === 0, {
      timeoutMs: 10_000,
      description: 'both overlap jobs to complete',
    });
    expect(overlap.maxRunning).toBe(2);
  });

  it('a job key replaces the pending job instead of adding a second one', async () => {
    const runAt = new Date(Date.now() + 3_600_000);
    const options = { requestId: 'req-key', jobKey: 'contact-sync:1', runAt };
    const first = await withTenant(database.db, tenantA, (trx) =>
      enqueue(trx, echoTask, { marker: 'key-first' }, options),
    );
    const second = await withTenant(database.db, tenantA, (trx) =>
      enqueue(trx, echoTask, { marker: 'key-second' }, options),
    );

    const keyed = (await jobsOfTask(database.ownerDb, echoTask.id)).filter((j) => j.key === 'contact-sync:1');
    expect(keyed).toHaveLength(1);
    expect(second.jobId).toBe(first.jobId);
    expect(keyed[0]?.payload).toMatchObject({ payload: { marker: 'key-second' } });

    await sql`update graphile_worker._private_jobs set run_at = now() where id = ${first.jobId}::bigint`.execute(
      database.ownerDb,
    );
    expect((await ran('key-second')).jobId).toBe(first.jobId);
    expect(echoRuns.has('key-first')).toBe(false);
  });
});

describe('graceful stop', () => {
  it('lets a running job finish and leaves nothing locked', async () => {
    const progress: string[] = [];
    const slowTask = defineTask({
      id: 'test.slow',
      schema: z.object({}),
      async handle() {
        progress.push('started');
        await sleep(500);
        progress.push('finished');
      },
    });
    const pool = createPool({ connectionString: database.appUrl, max: 3, applicationName: 'jobs-test-stop' });
    const stopping = await startWorker({
      pool,
      db: database.db,
      logger: logs.logger,
      tasks: [slowTask],
      concurrency: 1,
      pollIntervalMs: POLL_INTERVAL_MS,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
    let stopped = false;
    try {
      const { jobId } = await withTenant(database.db, tenantA, (trx) =>
        enqueue(trx, slowTask, {}, { requestId: 'req-slow' }),
      );
      await waitFor(() => progress.includes('started'), { timeoutMs: 10_000, description: 'slow job start' });
      const lockedBy = (await findJob(database.ownerDb, jobId))?.lockedBy;
      expect(lockedBy).toEqual(expect.any(String));

      stopped = true;
      await stopping.stop();
      progress.push('stop resolved');

      expect(progress).toEqual(['started', 'finished', 'stop resolved']);
      expect(stopping.isRunning()).toBe(false);
      expect(await findJob(database.ownerDb, jobId)).toBeUndefined();
      const { rows } = await sql<{ locked: number }>`
        select ((select count(*) from graphile_worker._private_jobs where locked_by = ${lockedBy})
             + (select count(*) from graphile_worker._private_job_queues where locked_by = ${lockedBy})
             )::int as locked`.execute(database.ownerDb);
      expect(rows[0]?.locked).toBe(0);
      // A stopped worker withdraws its heartbeat rather than waiting to be presumed dead.
      const beats = await database.ownerDb
        .selectFrom('workerHeartbeats')
        .select('workerId')
        .where('workerId', '=', lockedBy!)
        .execute();
      expect(beats).toEqual([]);
    } finally {
      // graphile-worker's runner refuses a second stop().
      if (!stopped) await stopping.stop();
      await pool.end();
    }
  });
});

describe('lanes', () => {
  it('outbound jobs run in a lane of their own: a full main lane does not hold them back, nor they it', async () => {
    const release = { main: false, outbound: false };
    const started: string[] = [];
    const blocking = (id: string, lane: 'main' | 'outbound') =>
      defineTask({
        id,
        lane,
        schema: z.object({ n: z.number().int() }),
        async handle(payload) {
          started.push(`${lane} ${payload.n}`);
          await waitFor(() => release[lane] || undefined, {
            timeoutMs: 20_000,
            description: `${lane} release`,
          });
        },
      });
    const mainTask = blocking('test.lane-main', 'main');
    const outboundTask = blocking('test.lane-outbound', 'outbound');
    const pool = createPool({
      connectionString: database.appUrl,
      max: 6,
      applicationName: 'jobs-test-lanes',
    });
    const laned = await startWorker({
      pool,
      db: database.db,
      logger: logs.logger,
      tasks: [mainTask, outboundTask],
      concurrency: 1,
      outboundConcurrency: 3,
      pollIntervalMs: POLL_INTERVAL_MS,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
    try {
      await withTenant(database.db, tenantA, async (trx) => {
        for (const n of [1, 2]) await enqueue(trx, mainTask, { n }, { requestId: 'req-lane' });
        for (const n of [1, 2, 3, 4]) await enqueue(trx, outboundTask, { n }, { requestId: 'req-lane' });
      });
      // One main job (its lane's one slot) and three outbound jobs at once, while the main job still runs.
      await waitFor(() => started.filter((s) => s.startsWith('outbound')).length === 3 || undefined, {
        timeoutMs: 10_000,
        description: 'three outbound jobs running',
      });
      await waitFor(() => started.includes('main 1') || undefined, {
        timeoutMs: 10_000,
        description: 'main 1',
      });
      await sleep(POLL_INTERVAL_MS * 2);
      expect(started.filter((s) => s.startsWith('main'))).toEqual(['main 1']);
      expect(started.filter((s) => s.startsWith('outbound'))).toHaveLength(3);
      // The outbound lane full, the main lane still takes its next job once its slot frees.
      release.main = true;
      await waitFor(() => started.includes('main 2') || undefined, {
        timeoutMs: 10_000,
        description: 'main 2',
      });
      expect(started.filter((s) => s.startsWith('outbound'))).toHaveLength(3);
      release.outbound = true;
      await waitFor(() => started.filter((s) => s.startsWith('outbound')).length === 4 || undefined, {
        timeoutMs: 10_000,
        description: 'the fourth outbound job',
      });
    } finally {
      release.main = true;
      release.outbound = true;
      await laned.stop();
      await pool.end();
    }
  });
});
