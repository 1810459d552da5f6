import '../test/support/encryption-setup.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb, createPool, type Db } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createMigratedDatabase, startTestPostgres } from '../test/support/postgres.js';

export interface BenchDatabase {
  readonly ownerUrl: string;
  readonly appUrl: string;
  /** A scratch DATA_DIR for the Leadline process under test. */
  readonly dataDir: string;
  readonly name: string;
  /** The application role, for set-up (and, with `poolSize`, for an in-process app under test). */
  readonly db: Db;
  /**
   * Drops the database (kept on a server of one's own with `keepOnServer`, for EXPLAIN ANALYZE
   * afterwards), stops an embedded PostgreSQL and removes the data directory.
   */
  close(): Promise<void>;
}

/** A fresh migrated database on PostgreSQL (embedded unless BENCH_DATABASE_URL names a server). */
export async function startBenchDatabase(
  label: string,
  options: { poolSize?: number; keepOnServer?: boolean } = {},
): Promise<BenchDatabase> {
  const logger = createLogger({ level: 'warn', secrets: [] });
  const postgres = await startTestPostgres(process.env.BENCH_DATABASE_URL, logger);
  const dataDir = mkdtempSync(path.join(tmpdir(), `leadline-bench-${label}-`));
  const name = `leadline_bench_${randomBytes(4).toString('hex')}`;
  const { ownerUrl, appUrl } = await createMigratedDatabase(
    postgres.adminUrl,
    name,
    randomBytes(18).toString('base64url'),
    logger,
  );
  const db = createDb(
    createPool({ connectionString: appUrl, max: options.poolSize ?? 2, applicationName: `bench-${label}` }),
  );
  const keep = options.keepOnServer === true && process.env.BENCH_DATABASE_URL !== undefined;
  return {
    ownerUrl,
    appUrl,
    dataDir,
    name,
    db,
    close: async () => {
      await db.destroy();
      if (keep) {
        rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      const admin = new pg.Client({ connectionString: postgres.adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await postgres.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
