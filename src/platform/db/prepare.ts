import { prepareWorkerSchema } from '../jobs/worker-schema.js';
import type { Logger } from '../logging/logger.js';
import { createDb, createPool } from './database.js';
import { migrateUp } from './migrator.js';

/** Brings a database to the code's schema as its owner: our migrations, then graphile-worker's. */
export async function prepareDatabase(ownerUrl: string, logger: Logger): Promise<string[]> {
  const pool = createPool({ connectionString: ownerUrl, max: 2, applicationName: 'leadline-migrate' });
  const db = createDb(pool);
  try {
    const applied = await migrateUp(db);
    await prepareWorkerSchema(pool, db, logger);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    return applied;
  } finally {
    await db.destroy();
  }
}
