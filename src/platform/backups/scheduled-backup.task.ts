import { z } from 'zod';
import type { BlobStore } from '../blobs/blob-store.js';
import { storedBlobs } from '../blobs/encrypted-blob-store.js';
import type { Config } from '../config/config.js';
import { backupKeyBytes } from '../config/schema.js';
import { type AnyTask, defineTask } from '../jobs/task.js';
import { createBackup } from './backup.js';
import { pruneBackups } from './prune.js';
import { verifyBackup } from './verify.js';

export const SCHEDULED_BACKUP_TASK = 'backups.scheduled';

/**
 * BACKUP_SCHEDULE's job: back up, verify the new archive, and only when it passed prune the old ones
 * (a failing backup never costs a good one). A failed verification fails the job: it is recorded for the
 * backup gauges and, with a single attempt, left as a dead letter for the alert rules.
 */
export function scheduledBackupTasks(deps: {
  config: Config;
  ownerUrl: string;
  blobs: BlobStore;
}): AnyTask[] {
  const { backups } = deps.config;
  if (!backups.schedule || !backups.key) return [];
  const key = backupKeyBytes(backups.key);
  return [
    defineTask({
      id: SCHEDULED_BACKUP_TASK,
      scope: 'system',
      schedule: backups.schedule,
      maxAttempts: 1,
      schema: z.object({}),
      async handle(_payload, ctx) {
        const backup = await createBackup({
          ownerUrl: deps.ownerUrl,
          directory: backups.directory,
          key,
          blobs: storedBlobs(deps.blobs),
        });
        const verified = await verifyBackup({
          archivePath: backup.archivePath,
          ownerUrl: deps.ownerUrl,
          key,
          logger: ctx.logger,
        });
        if (!verified.ok) {
          throw new Error(
            `scheduled backup ${verified.backupName} failed verification: ${verified.problems.join('; ')}`,
          );
        }
        const pruned = await pruneBackups(backups.directory, backups.keep);
        ctx.logger.info(
          {
            backup: verified.backupName,
            tables: verified.tables,
            rows: verified.rows,
            pruned: pruned.deleted.length,
          },
          'scheduled backup written and verified',
        );
      },
    }),
  ];
}
