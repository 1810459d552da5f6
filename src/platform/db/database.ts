import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { withDeferredBegin } from './deferred-begin.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface PoolOptions {
  connectionString: string;
  max: number;
  /** Run every session as this role (SET ROLE at connect) when the login role is the owner. */
  sessionRole?: string | undefined;
  applicationName: string;
  /** Told about connection errors that no query is waiting for (e.g. the database restarted). */
  onError?: (error: Error) => void;
}

function connectionOptions(
  options: Pick<PoolOptions, 'connectionString' | 'sessionRole' | 'applicationName'>,
) {
  return {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    connectionTimeoutMillis: 10_000,
    ...(options.sessionRole ? { options: `-c role=${options.sessionRole}` } : {}),
  };
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...connectionOptions(options), max: options.max, idleTimeoutMillis: 30_000 });
  // A connection dropping while idle (database restart) must not crash the process: the pool replaces it
  // and the next query reports the failure to its caller. Clients get the same handler for the moments
  // they are checked out but not querying (graphile-worker's LISTEN connection).
  const onError = options.onError ?? (() => {});
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}

/** One unpooled connection (not yet connected), as the pool's would be: for a long-lived LISTEN. */
export function createClient(
  options: Pick<PoolOptions, 'connectionString' | 'sessionRole' | 'applicationName'>,
): pg.Client {
  return new pg.Client(connectionOptions(options));
}

export function createDb(pool: pg.Pool): Db {
  // Column names only: jsonb values (Meta's payloads, tenant settings) come back exactly as stored.
  return new Kysely<Database>({
    dialect: withDeferredBegin(new PostgresDialect({ pool })),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
}
