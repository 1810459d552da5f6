import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import type { AnyTask } from '../platform/jobs/task.js';
import { defineTenantSweep } from '../platform/jobs/tenant-sweep.js';
import { rollUpWorkspace } from './rollup.js';

export const REPORTS_ROLLUP_TASK = 'reports.rollup';

/** Every minute: each workspace's report facts catch up with its activity (ADR 0047). Idempotent. */
export function reportsTasks(deps: { db: Db; schedule?: string }): AnyTask[] {
  return [
    defineTenantSweep({
      id: REPORTS_ROLLUP_TASK,
      schedule: deps.schedule ?? '* * * * *',
      maxAttempts: 3,
      db: deps.db,
      tenants: () => sql`select privacy_tenant_ids() as id`,
      async visit({ id, inTenant }, ctx) {
        const outcome = await rollUpWorkspace(inTenant);
        if (outcome.conversations > 0) {
          ctx.logger.debug({ tenantId: id, conversations: outcome.conversations }, 'report facts rolled up');
        }
      },
    }),
  ];
}
