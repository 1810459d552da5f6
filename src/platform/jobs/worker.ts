import { EventEmitter, setMaxListeners } from 'node:events';
import {
  type JobHelpers,
  parseCronItems,
  type Runner,
  run,
  type Task,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import type pg from 'pg';
import type { Counter, Gauge } from 'prom-client';
import type { Db } from '../db/database.js';
import { withTenant } from '../db/tenant-context.js';
import type { Logger } from '../logging/logger.js';
import { reportError } from '../observability/error-reporting.js';
import { traceJob } from '../observability/tracing.js';
import { DeadLetterSweeper } from './dead-letters/sweeper.js';
import { toGraphileLogger } from './graphile-logger.js';
import { WorkerHeartbeat } from './heartbeat.js';
import { type AnyTask, laneOf, scopeOf, ZJobEnvelope } from './task.js';

export interface WorkerOptions {
  /** Pool for graphile-worker itself (job fetching, LISTEN); separate from the HTTP pool. */
  pool: pg.Pool;
  db: Db;
  logger: Logger;
  tasks: readonly AnyTask[];
  /** Jobs of the main lane run at once. */
  concurrency: number;
  /**
   * Jobs of the `outbound` lane (sends, campaign dispatchers) run at once, in a runner of their own on the
   * same pool. Absent: every task runs in the main lane (tests that want one runner).
   */
  outboundConcurrency?: number | undefined;
  pollIntervalMs: number;
  staleAfterMs: number;
  /** How long a graceful stop waits for running jobs before they are released for a retry. */
  shutdownTimeoutMs: number;
  /** `leadline_jobs_dead_lettered_total`, by task (the process's metrics registry). */
  deadLettered?: Counter<'task'> | undefined;
  /** `leadline_jobs_dead_letters`: dead letters waiting for a replay or a discard, all tenants. */
  deadLettersWaiting?: Gauge | undefined;
  /** How often exhausted jobs are swept into dead letters besides right after a final failure (10 s). */
  deadLetterSweepMs?: number | undefined;
}

export interface RunningWorker {
  isRunning(): boolean;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const heartbeat = new WorkerHeartbeat({
    db: options.db,
    logger: options.logger,
    staleAfterMs: options.staleAfterMs,
  });
  const events: WorkerEvents = new EventEmitter();
  const pendingBeats = new Set<Promise<void>>();
  const track = (promise: Promise<void>) => {
    const tracked = promise.catch((error: unknown) =>
      options.logger.warn({ err: error }, 'heartbeat update failed'),
    );
    pendingBeats.add(tracked);
    void tracked.finally(() => pendingBeats.delete(tracked));
  };
  // graphile-worker locks jobs (`locked_by`) with the pool's id, not each worker's: the pool is what must
  // heartbeat, or every sweeper would judge a live job by its lock age and steal it after staleAfterMs.
  events.on('pool:create', ({ workerPool }) => track(heartbeat.add(workerPool.id)));
  events.on('pool:release', ({ workerPool }) => track(heartbeat.remove(workerPool.id)));
  const deadLetters = new DeadLetterSweeper({
    db: options.db,
    logger: options.logger,
    intervalMs: options.deadLetterSweepMs ?? 10_000,
    deadLettered: options.deadLettered,
    waiting: options.deadLettersWaiting,
  });
  events.on('job:failed', ({ job }) => {
    if (job.attempts >= job.max_attempts) deadLetters.nudge();
  });

  const lanes = splitLanes(options);
  const runners: Runner[] = [];
  const startRunner = async (tasks: readonly AnyTask[], concurrency: number, withCron: boolean) => {
    const runner = await run({
      pgPool: options.pool,
      concurrency,
      pollInterval: options.pollIntervalMs,
      noHandleSignals: true,
      // Schedules are defined in code (a task's `schedule`); no crontab file is read.
      parsedCronItems: withCron ? cronItems(tasks) : [],
      logger: toGraphileLogger(options.logger),
      taskList: toTaskList(tasks, options, concurrency),
      events,
      gracefulShutdownAbortTimeout: options.shutdownTimeoutMs,
      // Unbatched (the default), a finished job's completion (or failure) is written without being awaited,
      // so stop() could resolve, and the pool close, before it lands: the job stays locked and runs again
      // later. Batches, even of zero delay, are flushed by a graceful shutdown before it resolves.
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    runners.push(runner);
    return runner;
  };
  const main = await startRunner(lanes.main, options.concurrency, true);
  if (lanes.outbound.length > 0) {
    try {
      await startRunner(lanes.outbound, options.outboundConcurrency ?? options.concurrency, false);
    } catch (error) {
      await main.stop();
      throw error;
    }
  }
  heartbeat.start();
  deadLetters.start();
  let running = true;
  // One runner stopping by itself (a fatal error) stops the worker: readiness then reports it.
  for (const runner of runners) {
    void runner.promise.finally(() => {
      running = false;
    });
  }

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // A runner may have stopped by itself (fatal error); the others and the heartbeat must stop all the same.
    running = false;
    await Promise.all(runners.map((runner) => runner.stop().catch(() => undefined)));
    await heartbeat.stop();
    await deadLetters.stop();
    await Promise.all(pendingBeats);
  };
  return {
    isRunning: () => running,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/**
 * One cron item per scheduled task, with the envelope every job carries (graphile-worker adds `_cron`,
 * which the envelope's schema drops). No backfill: a schedule missed while no worker ran is not
 * replayed at start, and graphile-worker queues each slot once however many workers run.
 */
function cronItems(tasks: readonly AnyTask[]) {
  return parseCronItems(
    tasks
      .filter((task) => task.schedule !== undefined)
      .map((task) => {
        if (scopeOf(task) !== 'system') throw new Error(`scheduled task ${task.id} must be a system task`);
        return {
          task: task.id,
          match: task.schedule as string,
          identifier: task.id,
          options: { backfillPeriod: 0, ...(task.maxAttempts ? { maxAttempts: task.maxAttempts } : {}) },
          payload: { tenantId: null, requestId: `cron:${task.id}`, payload: {} },
        };
      }),
  );
}

/**
 * The main lane's tasks and the outbound lane's. Without an outbound concurrency every task runs in the
 * main lane. A scheduled task stays in the main lane, whose runner alone queues cron jobs.
 */
function splitLanes(options: WorkerOptions): { main: AnyTask[]; outbound: AnyTask[] } {
  if (options.outboundConcurrency === undefined) return { main: [...options.tasks], outbound: [] };
  const outbound = options.tasks.filter((task) => laneOf(task) === 'outbound');
  for (const task of outbound) {
    if (task.schedule !== undefined) throw new Error(`scheduled task ${task.id} must run in the main lane`);
  }
  return { main: options.tasks.filter((task) => laneOf(task) !== 'outbound'), outbound };
}

/** Listeners one running job may hold on its runner's abort signal at a time (a pacer's wait, a sleep). */
const ABORT_LISTENERS_PER_JOB = 4;

function toTaskList(tasks: readonly AnyTask[], options: WorkerOptions, concurrency: number): TaskList {
  const list: TaskList = {};
  for (const task of tasks) list[task.id] = toGraphileTask(task, options, concurrency);
  return list;
}

function toGraphileTask(task: AnyTask, options: WorkerOptions, concurrency: number): Task {
  return async (rawPayload: unknown, helpers: JobHelpers) => {
    // Every job of a runner gets the runner's one abort signal: a lane of 48 waiting sends holds more
    // listeners on it than Node's default warning threshold (10) without leaking any.
    if (helpers.abortSignal) setMaxListeners(concurrency * ABORT_LISTENERS_PER_JOB, helpers.abortSignal);
    const envelope = ZJobEnvelope.parse(rawPayload);
    const scope = scopeOf(task);
    // A tenant task must know its tenant, and a system task must not have one: either mismatch is a bug
    // (or a forged job), and the handler never runs.
    if ((scope === 'tenant') !== (envelope.tenantId !== null)) {
      throw new Error(`job envelope of ${scope} task ${task.id} has the wrong tenantId`);
    }
    const tenantId = envelope.tenantId;
    const jobId = String(helpers.job.id);
    const logger = options.logger.child({
      task: task.id,
      jobId,
      tenantId: envelope.tenantId,
      requestId: envelope.requestId,
    });
    const payload = task.schema.parse(envelope.payload);
    const job = {
      task: task.id,
      jobId,
      attempt: helpers.job.attempts,
      tenantId,
      traceparent: envelope.trace,
    };
    // A span when tracing is on (child of the enqueuing trace); Sentry hears of the failure when configured.
    await traceJob(job, () =>
      task.handle(payload, {
        tenantId,
        requestId: envelope.requestId,
        jobId,
        attempt: helpers.job.attempts,
        logger,
        signal: helpers.abortSignal,
        withTenant: async (work) => {
          if (tenantId === null) throw new Error(`system task ${task.id} has no tenant context`);
          return withTenant(options.db, tenantId, work);
        },
      }),
    ).catch((error: unknown) => {
      reportError(error, {
        requestId: envelope.requestId,
        task: task.id,
        workspaceId: tenantId ?? undefined,
      });
      throw error;
    });
  };
}
