import { runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { APP_ROLE } from '../db/app-role.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { toGraphileLogger } from './graphile-logger.js';

const APP_POLICY = `${APP_ROLE}_all`;

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
  // graphile-worker enables row-level security on its tables with no policy, which leaves them to their
  // owner: without a policy the application role can neither add nor see a single job.
  await sql`
    do $$
    declare t record;
    begin
      for t in
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity
          and not exists (select from pg_policy p where p.polrelid = c.oid and p.polname = ${sql.lit(APP_POLICY)})
      loop
        begin
          execute format('create policy %I on graphile_worker.%I to %I using (true) with check (true)',
            ${sql.lit(APP_POLICY)}, t.relname, ${sql.lit(APP_ROLE)});
        exception when duplicate_object then null; -- another process preparing the same database
        end;
      end loop;
    end $$`.execute(ownerDb);
}
