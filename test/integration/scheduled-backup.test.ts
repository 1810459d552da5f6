import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupName } from '../../src/platform/backups/backup.js';
import {
  SCHEDULED_BACKUP_TASK,
  scheduledBackupTasks,
} from '../../src/platform/backups/scheduled-backup.task.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import { createPool } from '../../src/platform/db/database.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { addRawJob, jobsOfTask } from '../fixtures/graphile-jobs.js';
import { waitFor } from '../fixtures/wait-for.js';
import { testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let workerPool: pg.Pool;
let worker: RunningWorker;
let directory: string;

beforeAll(async () => {
  database = await createTestDatabase();
  directory = await mkdtemp(path.join(tmpdir(), 'leadline-scheduled-'));
  // An old backup outside the rotation (keep 1 day, 0 weeks): pruned once the new one has passed.
  const old = backupName(new Date('2020-01-01T03:00:00Z'));
  await writeFile(path.join(directory, `${old}.llbk`), 'old');
  const config = testConfig({
    BACKUP_KEY: 'ef'.repeat(32),
    BACKUP_DIR: directory,
    BACKUP_SCHEDULE: '0 3 * * *',
    BACKUP_KEEP_DAILY: '1',
    BACKUP_KEEP_WEEKLY: '0',
  });
  const tasks = scheduledBackupTasks({
    config,
    ownerUrl: database.ownerUrl,
    blobs: createFilesystemBlobStore(await mkdtemp(path.join(tmpdir(), 'leadline-scheduled-blobs-'))),
  });
  workerPool = createPool({
    connectionString: database.appUrl,
    max: 4,
    applicationName: 'scheduled-backup-test',
  });
  // The schedule is registered with graphile-worker's cron (an invalid pattern would fail here).
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: captureLogger().logger,
    tasks,
    concurrency: 1,
    pollIntervalMs: 200,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
  });
});

afterAll(async () => {
  await worker.stop();
  await workerPool.end();
  await database.drop();
  await rm(directory, { recursive: true, force: true });
});

describe('scheduled backups (BACKUP_SCHEDULE)', () => {
  it('are not scheduled without BACKUP_SCHEDULE', () => {
    const config = testConfig({ BACKUP_KEY: 'ef'.repeat(32) });
    expect(
      scheduledBackupTasks({
        config,
        ownerUrl: database.ownerUrl,
        blobs: createFilesystemBlobStore(directory),
      }),
    ).toEqual([]);
  });

  it('back up, verify the new archive, record it, then prune what the rotation does not keep', async () => {
    // The job cron queues at 03:00 (its envelope plus graphile-worker's `_cron`), queued now.
    await addRawJob(
      database.ownerDb,
      SCHEDULED_BACKUP_TASK,
      {
        tenantId: null,
        requestId: 'cron:backups.scheduled',
        payload: {},
        _cron: { ts: new Date().toISOString() },
      },
      { maxAttempts: 1 },
    );
    await waitFor(async () => (await jobsOfTask(database.ownerDb, SCHEDULED_BACKUP_TASK)).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
      description: 'the scheduled backup job to finish',
    });
    const { rows } = await sql<{ ok: boolean }>`select ok from backup_verifications`.execute(
      database.ownerDb,
    );
    expect(rows).toEqual([{ ok: true }]);
    const files = (await readdir(directory)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^leadline-\d{8}T\d{6}Z\.llbk$/);
    expect(files[1]).toMatch(/^leadline-\d{8}T\d{6}Z\.manifest\.json$/);
    expect(files.some((f) => f.startsWith('leadline-2020'))).toBe(false);
  }, 150_000);
});
