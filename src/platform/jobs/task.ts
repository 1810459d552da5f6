import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { TenantTransaction } from '../db/tenant-context.js';
import type { Logger } from '../logging/logger.js';

/** What every job carries besides its own payload: whose data it touches and which request caused it. */
export const ZJobEnvelope = z.object({
  tenantId: z.uuid(),
  requestId: z.string().min(1).max(128),
  payload: z.unknown(),
});
export type TJobEnvelope = z.infer<typeof ZJobEnvelope>;

export interface TaskContext {
  readonly tenantId: string;
  readonly requestId: string;
  readonly jobId: string;
  /** 1 on the first run; handlers are idempotent, so a later attempt may find its work already done. */
  readonly attempt: number;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
  /** Runs `work` in a transaction bound to this job's tenant. The only database access a task gets. */
  withTenant<T>(work: (trx: TenantTransaction) => Promise<T>): Promise<T>;
}

export interface TaskDefinition<Schema extends z.ZodType = z.ZodType> {
  /** Stable identifier; renaming it orphans queued jobs, so treat it as a public name. */
  readonly id: string;
  readonly schema: Schema;
  readonly maxAttempts?: number;
  handle(payload: z.infer<Schema>, context: TaskContext): Promise<void>;
}

export function defineTask<Schema extends z.ZodType>(
  definition: TaskDefinition<Schema>,
): TaskDefinition<Schema> {
  return definition;
}

export type AnyTask = TaskDefinition<z.ZodType>;

/** Database handle given to the worker runtime so it can open tenant transactions for tasks. */
export interface TaskRuntime {
  db: Db;
  logger: Logger;
}
