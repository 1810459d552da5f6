import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { TenantTransaction } from '../db/tenant-context.js';
import type { Logger } from '../logging/logger.js';

/** What every job carries besides its own payload: whose data it touches and which request caused it. */
export const ZJobEnvelope = z.object({
  /** Null only for system tasks (account mail): work that belongs to no tenant. */
  tenantId: z.uuid().nullable(),
  requestId: z.string().min(1).max(128),
  payload: z.unknown(),
  /** W3C traceparent of the trace that enqueued the job, when tracing was on (ADR 0037). */
  trace: z.string().max(256).nullish(),
});
export type TJobEnvelope = z.infer<typeof ZJobEnvelope>;

/**
 * `tenant` (the default): the job works on one tenant's data, enqueued inside that tenant's transaction.
 * `system`: the job belongs to no tenant (mail to a user, whose identity is global); it gets no tenant
 * context at all, so it cannot touch tenant data by accident.
 */
export type TaskScope = 'tenant' | 'system';

/**
 * `outbound`: a job that spends most of its time waiting on a provider (a number's pacing, Meta's or
 * Twilio's answer) rather than on the CPU: message sends and campaign dispatchers. They run in a lane of
 * their own, many at once (WORKER_OUTBOUND_CONCURRENCY), so a campaign can reach the channel's rate and
 * never takes the slots inbound messages are processed in. Absent: the worker's main lane.
 */
export type TaskLane = 'main' | 'outbound';

export interface TaskContext<Scope extends TaskScope = TaskScope> {
  readonly tenantId: Scope extends 'tenant' ? string : null;
  readonly requestId: string;
  readonly jobId: string;
  /** 1 on the first run; handlers are idempotent, so a later attempt may find its work already done. */
  readonly attempt: number;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
  /**
   * Runs `work` in a transaction bound to this job's tenant. The only database access a tenant task gets.
   * Throws for system tasks, which have no tenant.
   */
  withTenant<T>(work: (trx: TenantTransaction) => Promise<T>): Promise<T>;
}

export interface TaskDefinition<Schema extends z.ZodType = z.ZodType, Scope extends TaskScope = 'tenant'> {
  /** Stable identifier; renaming it orphans queued jobs, so treat it as a public name. */
  readonly id: string;
  readonly schema: Schema;
  readonly maxAttempts?: number;
  /** Absent means `tenant`. */
  readonly scope?: Scope;
  /** Cron pattern (UTC) on which the worker queues this task itself; system tasks only. */
  readonly schedule?: string;
  /** Absent means `main`. */
  readonly lane?: TaskLane;
  handle(payload: z.infer<Schema>, context: TaskContext<Scope>): Promise<void>;
}

export function defineTask<Schema extends z.ZodType, Scope extends TaskScope = 'tenant'>(
  definition: TaskDefinition<Schema, Scope>,
): TaskDefinition<Schema, Scope> {
  return definition;
}

/** What enqueueing needs of a task: its identity, not its handler (which may need runtime dependencies). */
export type TaskReference<Schema extends z.ZodType = z.ZodType, Scope extends TaskScope = 'tenant'> = Pick<
  TaskDefinition<Schema, Scope>,
  'id' | 'schema' | 'scope' | 'maxAttempts' | 'lane'
>;

export function scopeOf(task: { readonly scope?: TaskScope }): TaskScope {
  return task.scope ?? 'tenant';
}

export function laneOf(task: { readonly lane?: TaskLane }): TaskLane {
  return task.lane ?? 'main';
}

// biome-ignore lint/suspicious/noExplicitAny: a list of tasks of any payload and scope (handlers are contravariant)
export type AnyTask = TaskDefinition<z.ZodType, any>;

/** Database handle given to the worker runtime so it can open tenant transactions for tasks. */
export interface TaskRuntime {
  db: Db;
  logger: Logger;
}
