import { runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { APP_ROLE } from '../db/app-role.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { toGraphileLogger } from './graphile-logger.js';

/**
 * Installs or upgrades graphile-worker's own schema as the owner, then lets the application role use it:
 * the runtime connection may queue and run jobs but not change the schema.
 */
export async function prepareWorkerSchema(ownerPool: pg.Pool, ownerDb: Db, logger: Logger): Promise<void> {
  await runMigrations({ pgPool: ownerPool, logger: toGraphileLogger(logger) });
  const role = sql.id(APP_ROLE);
  await sql`grant usage on schema graphile_worker to ${role}`.execute(ownerDb);
  await sql`grant select, insert, update, delete on all tables in schema graphile_worker to ${role}`.execute(
    ownerDb,
  );
  await sql`grant usage, select on all sequences in schema graphile_worker to ${role}`.execute(ownerDb);
  await sql`grant execute on all functions in schema graphile_worker to ${role}`.execute(ownerDb);
}
