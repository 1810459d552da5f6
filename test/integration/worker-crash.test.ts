import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RawBuilder, sql } from 'kysely';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { enqueue } from '../../src/platform/jobs/enqueue.js';
import { WorkerHeartbeat } from '../../src/platform/jobs/heartbeat.js';
import { type AnyTask, defineTask } from '../../src/platform/jobs/task.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { addRawJob, findJob } from '../fixtures/graphile-jobs.js';
import { minimalEnv, REPO_ROOT, spawnTsx, type TsxChild } from '../fixtures/node-process.js';
import { waitFor } from '../fixtures/wait-for.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const POLL_INTERVAL_MS = 200;
const CRASH_WORKER = path.join(REPO_ROOT, 'test/fixtures/crash-worker.ts');
const logs = captureLogger();

let database: TestDatabase;
let tenantId: string;
/** Everything a test starts, stopped in reverse order even when an assertion fails half-way. */
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  tenantId = (await createTenant(database.db, { name: 'Crash Tenant' })).id;
});

afterEach(async () => {
  await runCleanups();
});

afterAll(async () => {
  await database?.drop();
});

async function runCleanups() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** An in-process worker on its own pool, as `startRuntime` builds one. */
async function inProcessWorker(tasks: AnyTask[], staleAfterMs: number): Promise<RunningWorker> {
  const pool: pg.Pool = createPool({
    connectionString: database.appUrl,
    max: 3,
    applicationName: 'crash-test-worker',
  });
  const worker = await startWorker({
    pool,
    db: database.db,
    logger: logs.logger,
    tasks,
    concurrency: 1,
    pollIntervalMs: POLL_INTERVAL_MS,
    staleAfterMs,
    shutdownTimeoutMs: 2_000,
  });
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await worker.stop();
    await pool.end();
  });
  return {
    isRunning: () => worker.isRunning(),
    stop: async () => {
      stopped = true;
      await worker.stop();
    },
  };
}

async function heartbeatOf(workerId: string): Promise<Date | undefined> {
  const row = await database.ownerDb
    .selectFrom('workerHeartbeats')
    .select('lastSeenAt')
    .where('workerId', '=', workerId)
    .executeTakeFirst();
  return row?.lastSeenAt;
}

describe('WorkerHeartbeat.sweep', () => {
  it('releases jobs whose worker is silent (no heartbeat and an old lock, or a stale heartbeat), and only those', async () => {
    const staleAfterMs = 60_000;
    const later = new Date(Date.now() + 3_600_000);
    const jobs = {
      oldLockNoHeartbeat: await addRawJob(
        database.ownerDb,
        'crash.ghost',
        {},
        { runAt: later, queueName: 'ghost' },
      ),
      recentLockNoHeartbeat: await addRawJob(database.ownerDb, 'crash.ghost', {}, { runAt: later }),
      staleHeartbeat: await addRawJob(database.ownerDb, 'crash.ghost', {}, { runAt: later }),
      liveHeartbeat: await addRawJob(database.ownerDb, 'crash.ghost', {}, { runAt: later }),
    };
    const lock = async (jobId: string, workerId: string, lockedAt: RawBuilder<unknown>) => {
      await sql`
        update graphile_worker._private_jobs set locked_by = ${workerId}, locked_at = ${lockedAt}
        where id = ${jobId}::bigint`.execute(database.ownerDb);
      await sql`
        update graphile_worker._private_job_queues q set locked_by = ${workerId}, locked_at = ${lockedAt}
        from graphile_worker._private_jobs j where j.id = ${jobId}::bigint and q.id = j.job_queue_id`.execute(
        database.ownerDb,
      );
    };
    const hourAgo = sql<Date>`now() - interval '1 hour'`;
    await lock(jobs.oldLockNoHeartbeat, 'ghost-old-lock', hourAgo);
    await lock(jobs.recentLockNoHeartbeat, 'ghost-recent-lock', sql`now()`);
    await lock(jobs.staleHeartbeat, 'silent-worker', sql`now()`);
    await lock(jobs.liveHeartbeat, 'live-worker', hourAgo);
    await database.ownerDb
      .insertInto('workerHeartbeats')
      .values([
        { workerId: 'silent-worker', hostname: 'elsewhere', pid: 1, lastSeenAt: hourAgo },
        { workerId: 'live-worker', hostname: 'elsewhere', pid: 2 },
      ])
      .execute();

    try {
      // As the application role: the sweeper must work with the runtime's privileges.
      const heartbeat = new WorkerHeartbeat({ db: database.db, logger: logs.logger, staleAfterMs });
      const released = await heartbeat.sweep();

      expect(released.sort()).toEqual(['ghost-old-lock', 'silent-worker']);
      expect(await findJob(database.ownerDb, jobs.oldLockNoHeartbeat)).toMatchObject({
        lockedBy: null,
        lockedAt: null,
      });
      expect(await findJob(database.ownerDb, jobs.staleHeartbeat)).toMatchObject({ lockedBy: null });
      expect(await findJob(database.ownerDb, jobs.recentLockNoHeartbeat)).toMatchObject({
        lockedBy: 'ghost-recent-lock',
      });
      expect(await findJob(database.ownerDb, jobs.liveHeartbeat)).toMatchObject({ lockedBy: 'live-worker' });
      const { rows: queues } = await sql<{ lockedBy: string | null }>`
        select locked_by from graphile_worker._private_job_queues where queue_name = 'ghost'`.execute(
        database.ownerDb,
      );
      expect(queues).toEqual([{ lockedBy: null }]);
      expect(await heartbeatOf('silent-worker')).toBeUndefined();
      expect(await heartbeatOf('live-worker')).toBeInstanceOf(Date);

      expect(await heartbeat.sweep()).toEqual([]);
    } finally {
      await sql`delete from graphile_worker._private_jobs where id = any(${Object.values(jobs)}::bigint[])`.execute(
        database.ownerDb,
      );
      await database.ownerDb.deleteFrom('workerHeartbeats').execute();
    }
  });
});

describe('a worker process killed mid-job', () => {
  it('has its job re-run by another worker within staleAfter (plus one sweep and one poll), as attempt 2', async () => {
    const staleAfterMs = 2_000;
    const taskId = 'crash.hang';
    let child: TsxChild | undefined;
    cleanups.push(async () => child?.kill());

    child = spawnTsx(CRASH_WORKER, [], {
      env: minimalEnv({
        CRASH_WORKER_DATABASE_URL: database.appUrl,
        CRASH_WORKER_TASK_ID: taskId,
        CRASH_WORKER_STALE_AFTER_MS: String(staleAfterMs),
        CRASH_WORKER_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      }),
    });
    await child.waitForLine(/^ready$/, 30_000);

    // The child's task definition; enqueue needs only its id and schema.
    const hangTask = defineTask({ id: taskId, schema: z.unknown(), handle: async () => {} });
    const { jobId } = await withTenant(database.db, tenantId, (trx) =>
      enqueue(trx, hangTask, {}, { requestId: 'req-crash' }),
    );
    const [, startedJobId, startedAttempt] = await child.waitForLine(/^started (\S+) (\d+)$/, 10_000);
    expect([startedJobId, startedAttempt]).toEqual([jobId, '1']);
    const held = await findJob(database.ownerDb, jobId);
    expect(held).toMatchObject({ attempts: 1, lockedBy: expect.any(String) });
    // The child heartbeats under the id it locks jobs with; otherwise its sweepers could not tell it is alive.
    expect(await heartbeatOf(held!.lockedBy!)).toBeInstanceOf(Date);

    const killedAt = Date.now();
    await child.kill();
    expect(child.process.signalCode).toBe('SIGKILL');

    const recovered: { attempt: number; at: number }[] = [];
    const recovering = defineTask({
      id: taskId,
      schema: z.unknown(),
      async handle(_payload, ctx) {
        recovered.push({ attempt: ctx.attempt, at: Date.now() });
      },
    });
    const worker = await inProcessWorker([recovering], staleAfterMs);
    const sweepIntervalMs = new WorkerHeartbeat({ db: database.db, logger: logs.logger, staleAfterMs })
      .intervalMs;
    // The child's last heartbeat is at most one beat (sweepIntervalMs) before the kill; the job is released
    // at the first sweep after that heartbeat is staleAfterMs old, and picked up at once through NOTIFY
    // (or by the next poll). SLACK_MS absorbs query latency and a busy two-core machine.
    const SLACK_MS = 1_000;
    const budgetMs = staleAfterMs + sweepIntervalMs + POLL_INTERVAL_MS + SLACK_MS;
    await waitFor(() => recovered.length > 0, { timeoutMs: budgetMs + 5_000, description: 'the re-run' });

    const elapsed = recovered[0]!.at - killedAt;
    expect(elapsed, `re-run ${elapsed} ms after the kill`).toBeLessThan(budgetMs);
    // Not released early either: a dead worker's heartbeat has to age first.
    expect(elapsed).toBeGreaterThan(staleAfterMs - 2 * sweepIntervalMs);
    expect(recovered.map((r) => r.attempt)).toEqual([2]);
    await waitFor(async () => (await findJob(database.ownerDb, jobId)) === undefined, {
      timeoutMs: 5_000,
      description: 'the job to be completed',
    });
    expect(await heartbeatOf(held!.lockedBy!)).toBeUndefined();
    expect(worker.isRunning()).toBe(true);
  });

  it("leaves a healthy long-running job alone: a live worker's heartbeat keeps other sweepers off it", async () => {
    const staleAfterMs = 1_000;
    const taskId = 'crash.long';
    const runs: { worker: string; attempt: number }[] = [];
    let finish = false;
    const longTask = (name: string) =>
      defineTask({
        id: taskId,
        schema: z.unknown(),
        async handle(_payload, ctx) {
          runs.push({ worker: name, attempt: ctx.attempt });
          // The abort (a stop after a failed assertion) ends it too, so cleanup never waits on it for long.
          await waitFor(() => finish || ctx.signal?.aborted, {
            timeoutMs: 20_000,
            description: 'the test to let the job finish',
          });
        },
      });

    await inProcessWorker([longTask('holder')], staleAfterMs);
    const { jobId } = await withTenant(database.db, tenantId, (trx) =>
      enqueue(trx, longTask('enqueuer'), {}, { requestId: 'req-long' }),
    );
    await waitFor(() => runs.length > 0, { timeoutMs: 10_000, description: 'the holder to start the job' });
    const lockedBy = (await findJob(database.ownerDb, jobId))?.lockedBy;
    expect(lockedBy).toEqual(expect.any(String));
    await inProcessWorker([longTask('thief')], staleAfterMs);

    // Several times staleAfter, with both workers' sweepers running every staleAfter/6.
    const observeUntil = Date.now() + 3 * staleAfterMs;
    while (Date.now() < observeUntil) {
      expect(await findJob(database.ownerDb, jobId)).toMatchObject({ lockedBy, attempts: 1 });
      await sleep(100);
    }
    const heartbeat = new WorkerHeartbeat({ db: database.db, logger: logs.logger, staleAfterMs });
    expect(await heartbeat.sweep()).toEqual([]);
    expect(runs).toEqual([{ worker: 'holder', attempt: 1 }]);

    finish = true;
    await waitFor(async () => (await findJob(database.ownerDb, jobId)) === undefined, {
      timeoutMs: 5_000,
      description: 'the long job to complete',
    });
    expect(runs).toEqual([{ worker: 'holder', attempt: 1 }]);
  });
});
