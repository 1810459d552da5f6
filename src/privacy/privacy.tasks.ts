import { sql } from 'kysely';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { Db } from '../platform/db/database.js';
import { type AnyTask, defineTask } from '../platform/jobs/task.js';
import { defineTenantSweep } from '../platform/jobs/tenant-sweep.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import { runErasure } from './erasure.service.js';
import { ERASE_CONTACT_TASK } from './erasure.task-definition.js';
import { applyRetention } from './retention.service.js';

export const RETENTION_TASK = 'privacy.retention';

export interface PrivacyTaskDeps {
  db: Db;
  blobs: BlobStore;
  secretKey: string;
  metrics: Pick<Metrics, 'retentionRemoved'>;
  /** Cron pattern (UTC) of the daily retention run. */
  retentionSchedule?: string;
  /** Batch size and work share of the retention job (config.retention). */
  retention?: { batchSize: number; workShare: number };
}

/** The erasure job (per request) and the daily retention job (every workspace, one after the other). */
export function privacyTasks(deps: PrivacyTaskDeps): AnyTask[] {
  return [
    defineTask({
      ...ERASE_CONTACT_TASK,
      async handle(payload, ctx) {
        const outcome = await runErasure(
          (work) => ctx.withTenant(work),
          { blobs: deps.blobs, secretKey: deps.secretKey },
          payload.erasureId,
        );
        ctx.logger.info(
          { erasureId: payload.erasureId, verifiedClean: outcome.erasure.verifiedClean },
          'contact erasure finished',
        );
      },
    }),
    defineTenantSweep({
      id: RETENTION_TASK,
      schedule: deps.retentionSchedule ?? '30 3 * * *',
      maxAttempts: 3,
      db: deps.db,
      tenants: () => sql`select privacy_tenant_ids() as id`,
      async visit({ id, inTenant }, ctx) {
        const run = await applyRetention(inTenant, id, {
          blobs: deps.blobs,
          batchSize: deps.retention?.batchSize,
          workShare: deps.retention?.workShare,
          onRemoved: (kind, count) => deps.metrics.retentionRemoved.inc({ kind }, count),
        });
        if (Object.keys(run.removed).length > 0) {
          ctx.logger.info({ tenantId: id, removed: run.removed }, 'retention applied');
        }
      },
    }),
  ];
}
