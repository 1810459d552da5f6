import type { BlobStore } from '../platform/blobs/blob-store.js';
import { storedBlobs } from '../platform/blobs/encrypted-blob-store.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { defineTask } from '../platform/jobs/task.js';
import { reencryptStep, startReencryption } from './data-keys.service.js';
import { REENCRYPT_TASK, reencryptJobKey } from './reencrypt.task-definition.js';

/**
 * The re-encryption job: one batch per run (of a column, or of the blobs in `blobs`, the store the worker
 * writes media to); in the batch's transaction the next run is queued.
 */
export function createReencryptTask(deps: { blobs: BlobStore }) {
  return defineTask({
    ...REENCRYPT_TASK,
    async handle(payload, ctx) {
      await ctx.withTenant(async (trx) => {
        const step = await reencryptStep(trx, ctx.tenantId, payload, storedBlobs(deps.blobs));
        if (step.kind === 'next') {
          await enqueue(trx, REENCRYPT_TASK, step.cursor, {
            requestId: ctx.requestId,
            jobKey: reencryptJobKey(ctx.tenantId),
          });
        } else if (step.kind === 'again') {
          await startReencryption(trx, ctx.requestId, step.runAt);
        } else if (step.versions.length > 0) {
          ctx.logger.info({ retiredVersions: step.versions }, 'data-key versions retired');
        }
      });
    },
  });
}
