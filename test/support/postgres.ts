import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { APP_ROLE, ensureAppLogin } from '../../src/platform/db/app-role.js';
import { createDb, createPool } from '../../src/platform/db/database.js';
import { startEmbeddedCluster } from '../../src/platform/db/embedded-postgres.js';
import { prepareDatabase } from '../../src/platform/db/prepare.js';
import type { Logger } from '../../src/platform/logging/logger.js';
import { freePort } from './free-port.js';

export interface TestPostgres {
  /** A superuser URL with a password (tests check that passwords never reach logs). */
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * The PostgreSQL tests and benchmarks run against: the server `url` names, or else an embedded cluster in
 * a temporary directory (the fresh-machine path), removed by `stop()`.
 */
export async function startTestPostgres(url: string | undefined, logger: Logger): Promise<TestPostgres> {
  if (url) return { adminUrl: await withPasswordedAdmin(url), stop: async () => {} };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'leadline-test-pg-'));
  const cluster = await startEmbeddedCluster({
    dir: dataDir,
    port: await freePort(),
    superuserPassword: randomBytes(18).toString('base64url'),
    logger,
  });
  return {
    adminUrl: await withPasswordedAdmin(cluster.superuserUrl('postgres')),
    stop: async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates database `name`, migrated, with the application role able to log in with `appPassword`. */
export async function createMigratedDatabase(
  adminUrl: string,
  name: string,
  appPassword: string,
  logger: Logger,
): Promise<{ ownerUrl: string; appUrl: string }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const adminDb = createDb(
    createPool({ connectionString: adminUrl, max: 1, applicationName: 'leadline-test' }),
  );
  await ensureAppLogin(adminDb, appPassword);
  await adminDb.destroy();
  const ownerUrl = withDatabase(adminUrl, name);
  await prepareDatabase(ownerUrl, logger);
  return { ownerUrl, appUrl: withDatabase(adminUrl, name, { user: APP_ROLE, password: appPassword }) };
}

/**
 * A server URL may log in without a password (trust or peer auth). Tests assert that database passwords
 * never reach the logs, which needs real passwords: log in as a dedicated superuser that has one.
 */
async function withPasswordedAdmin(url: string): Promise<string> {
  if (new URL(url).password) return url;
  const password = randomBytes(18).toString('base64url');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`do $$ begin
      create role leadline_test_admin login superuser;
    exception when duplicate_object then null; end $$`);
    await client.query(`alter role leadline_test_admin password '${password}'`);
  } finally {
    await client.end();
  }
  const parsed = new URL(url);
  parsed.username = 'leadline_test_admin';
  parsed.password = password;
  return parsed.toString();
}

export function withDatabase(
  url: string,
  database: string,
  credentials?: { user: string; password: string },
): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (credentials) {
    parsed.username = credentials.user;
    parsed.password = encodeURIComponent(credentials.password);
  }
  return parsed.toString();
}
