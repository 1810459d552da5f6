import type { RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { type InTenant, withTenant } from '../db/tenant-context.js';
import { defineTask, type TaskContext, type TaskDefinition } from './task.js';

const ZNoPayload = z.object({});

/**
 * A system task on a cron schedule that works through workspaces one after the other: `tenants` picks them
 * (a SECURITY DEFINER function, as no tenant is set yet), and `visit` works in each one's own transactions.
 * A failing workspace fails the run (and the next run starts again from `tenants`).
 */
export function defineTenantSweep(options: {
  id: string;
  /** Cron pattern (UTC). */
  schedule: string;
  maxAttempts: number;
  db: Db;
  /** The workspaces of this run, as rows `{ id }`; given the run's start. */
  tenants: (now: Date) => RawBuilder<{ id: string }>;
  visit: (
    tenant: { id: string; inTenant: InTenant },
    ctx: TaskContext<'system'>,
    now: Date,
  ) => Promise<unknown>;
}): TaskDefinition<typeof ZNoPayload, 'system'> {
  const { db } = options;
  return defineTask({
    id: options.id,
    scope: 'system',
    schedule: options.schedule,
    maxAttempts: options.maxAttempts,
    schema: ZNoPayload,
    async handle(_payload, ctx) {
      const now = new Date();
      const { rows } = await options.tenants(now).execute(db);
      for (const { id } of rows) {
        await options.visit({ id, inTenant: (work) => withTenant(db, id, work) }, ctx, now);
      }
    },
  });
}
