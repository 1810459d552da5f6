import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureAppLogin } from '../../src/platform/db/app-role.js';
import { createDb, createPool } from '../../src/platform/db/database.js';
import { startEmbeddedCluster } from '../../src/platform/db/embedded-postgres.js';
import { prepareDatabase } from '../../src/platform/db/prepare.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: { adminUrl: string; template: string; appPassword: string };
  }
}

/**
 * One PostgreSQL for the whole run: the embedded one (the fresh-machine path) unless TEST_DATABASE_URL
 * names a server. A migrated template database is cloned by each test file.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger({ level: 'warn', secrets: [] });
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopCluster = async () => {};
  let dataDir: string | undefined;
  if (!adminUrl) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'leadline-test-pg-'));
    const cluster = await startEmbeddedCluster({
      dir: dataDir,
      port: await freePort(),
      superuserPassword: randomBytes(18).toString('base64url'),
      logger,
    });
    adminUrl = cluster.superuserUrl('postgres');
    stopCluster = () => cluster.stop();
  }

  adminUrl = await withPasswordedAdmin(adminUrl);
  const template = `leadline_template_${randomBytes(4).toString('hex')}`;
  const appPassword = randomBytes(18).toString('base64url');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${template}`);
  const adminDb = createDb(
    createPool({ connectionString: adminUrl, max: 1, applicationName: 'leadline-test' }),
  );
  await ensureAppLogin(adminDb, appPassword);
  await adminDb.destroy();
  await prepareDatabase(withDatabase(adminUrl, template), logger);

  project.provide('testDatabase', { adminUrl, template, appPassword });

  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.end();
    await stopCluster();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
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
