import { sql } from 'kysely';
import type { Config } from '../../src/platform/config/config.js';
import { ZJobEnvelope } from '../../src/platform/jobs/task.js';
import { createAccountTasks } from '../../src/tasks.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { captureLogger } from './log-capture.js';
import type { TestDatabase } from './test-database.js';

/**
 * Runs the queued sign-up and password-reset jobs of a test database with the real task handlers, as the
 * worker would (oldest first), and removes them; returns how many ran. Mail jobs stay queued.
 */
export async function runAccountJobs(database: TestDatabase, config: Config): Promise<number> {
  const tasks = createAccountTasks({ db: database.db, config });
  const { logger } = captureLogger();
  let ran = 0;
  for (;;) {
    const jobs = (await Promise.all(tasks.map((task) => jobsOfTask(database.ownerDb, task.id))))
      .flat()
      .sort((a, b) => Number(a.id) - Number(b.id));
    if (jobs.length === 0) return ran;
    for (const job of jobs) {
      const task = tasks.find((t) => t.id === job.taskIdentifier)!;
      const envelope = ZJobEnvelope.parse(job.payload);
      await task.handle(task.schema.parse(envelope.payload), {
        tenantId: null,
        requestId: envelope.requestId,
        jobId: job.id,
        attempt: 1,
        logger,
        signal: undefined,
        withTenant: () => Promise.reject(new Error('a system task has no tenant')),
      });
      await sql`delete from graphile_worker._private_jobs where id = ${job.id}::bigint`.execute(
        database.ownerDb,
      );
      ran += 1;
    }
  }
}
