import { type RawBuilder, sql } from 'kysely';
import type { z } from 'zod';
import type { Db } from '../db/database.js';
import type { TenantTransaction } from '../db/tenant-context.js';
import { currentTraceparent } from '../observability/tracing.js';
import { scopeOf, type TaskReference } from './task.js';

export interface EnqueueOptions {
  requestId: string;
  /** Jobs sharing a queue name run one at a time, in enqueue order (also within one transaction). */
  queueName?: string;
  /** A second enqueue with the same key replaces the pending job instead of adding one. */
  jobKey?: string;
  runAt?: Date;
  priority?: number;
}

/**
 * Adds a job inside the caller's tenant transaction, so the job exists if and only if the state change
 * that asked for it commits. The tenant id is taken from the transaction itself, never from the caller.
 */
export async function enqueue<Schema extends z.ZodType>(
  trx: TenantTransaction,
  task: TaskReference<Schema, 'tenant'>,
  payload: z.input<Schema>,
  options: EnqueueOptions,
): Promise<{ jobId: string }> {
  if (scopeOf(task) !== 'tenant') throw new Error(`${task.id} is a system task; use enqueueSystem`);
  return addJob(trx, task, payload, options, sql`app_current_tenant()`);
}

/**
 * Adds a job of a system task (one that belongs to no tenant, e.g. account mail) in the caller's
 * transaction (or statement): the envelope's tenantId is null and the handler gets no tenant context.
 */
export async function enqueueSystem<Schema extends z.ZodType>(
  trx: Db,
  task: TaskReference<Schema, 'system'>,
  payload: z.input<Schema>,
  options: EnqueueOptions,
): Promise<{ jobId: string }> {
  if (scopeOf(task) !== 'system') throw new Error(`${task.id} is a tenant task; use enqueue`);
  return addJob(trx, task, payload, options, sql`null::uuid`);
}

async function addJob<Schema extends z.ZodType>(
  trx: Db,
  task: TaskReference<Schema, 'tenant'> | TaskReference<Schema, 'system'>,
  payload: z.input<Schema>,
  options: EnqueueOptions,
  tenantId: RawBuilder<unknown>,
): Promise<{ jobId: string }> {
  // Validated now, parsed again at dequeue: what is stored is the input, so a transforming schema sees the
  // same input both times.
  task.schema.parse(payload);
  return insertJob(trx, task.id, payload, task.maxAttempts ?? null, options, tenantId);
}

/**
 * Adds a job again as it was first enqueued (a dead letter's replay), where no task schema is at hand: the
 * payload was validated when first enqueued and is parsed again at dequeue. `tenant: 'current'` takes the
 * tenant from the caller's tenant transaction; null is a system job.
 */
export async function requeue(
  trx: Db,
  job: { task: string; tenant: 'current' | null; payload: unknown; maxAttempts: number },
  options: EnqueueOptions,
): Promise<{ jobId: string }> {
  const tenantId = job.tenant === 'current' ? sql`app_current_tenant()` : sql`null::uuid`;
  return insertJob(trx, job.task, job.payload, job.maxAttempts, options, tenantId);
}

async function insertJob(
  trx: Db,
  identifier: string,
  payload: unknown,
  maxAttempts: number | null,
  options: EnqueueOptions,
  tenantId: RawBuilder<unknown>,
): Promise<{ jobId: string }> {
  const { rows } = await sql<{ id: string }>`
    select (graphile_worker.add_job(
      identifier => ${identifier},
      payload => json_build_object(
        'tenantId', ${tenantId},
        'requestId', ${options.requestId}::text,
        'payload', ${JSON.stringify(payload)}::json${traceField()}
      ),
      queue_name => ${options.queueName ?? null}::text,
      -- graphile-worker orders a queue by (priority, run_at) only; clock_timestamp() rather than the
      -- transaction's now() keeps jobs enqueued in one transaction in enqueue order.
      run_at => coalesce(${options.runAt ?? null}::timestamptz, clock_timestamp()),
      max_attempts => ${maxAttempts}::int,
      job_key => ${options.jobKey ?? null}::text,
      priority => ${options.priority ?? null}::int
    )).id::text as id`.execute(trx);
  const id = rows[0]?.id;
  if (!id) throw new Error(`enqueue of ${identifier} returned no job`);
  return { jobId: id };
}

/** The enqueuing trace, when tracing is on: the job's span joins it (no key at all otherwise). */
function traceField(): RawBuilder<unknown> {
  const traceparent = currentTraceparent();
  return traceparent ? sql`, 'trace', ${traceparent}::text` : sql``;
}

export interface BatchJob<Schema extends z.ZodType = z.ZodType> {
  task: TaskReference<Schema, 'tenant'>;
  payload: z.input<Schema>;
  options: EnqueueOptions;
}

/**
 * A tenant job as `add_jobs` takes it, minus what the database fills in (the envelope's tenantId from the
 * transaction, run_at from clock_timestamp()): the record whatsapp_ingest() reads with
 * `json_to_recordset(...) as j(identifier text, request_id text, payload json, queue_name text,
 * max_attempts int, job_key text)`.
 */
export interface JobSpec {
  identifier: string;
  request_id: string;
  payload: unknown;
  queue_name: string | null;
  max_attempts: number | null;
  job_key: string | null;
}

/** Validates a tenant job (scope, payload) and turns it into the spec a batch of jobs is added from. */
export function jobSpec({ task, payload, options }: BatchJob): JobSpec {
  if (scopeOf(task) !== 'tenant') throw new Error(`${task.id} is a system task; use enqueueSystem`);
  task.schema.parse(payload);
  if (options.runAt || options.priority !== undefined) throw new Error('a job spec takes no runAt/priority');
  return {
    identifier: task.id,
    request_id: options.requestId,
    payload,
    queue_name: options.queueName ?? null,
    max_attempts: task.maxAttempts ?? null,
    job_key: options.jobKey ?? null,
  };
}

/**
 * Drops the pending job with `jobKey`, in the caller's transaction (a running one keeps running but is
 * never retried). No job with that key is no error.
 */
export async function removeJob(trx: TenantTransaction, jobKey: string): Promise<void> {
  await sql`select graphile_worker.remove_job(${jobKey}::text)`.execute(trx);
}
