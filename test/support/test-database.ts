import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { APP_ROLE } from '../../src/platform/db/app-role.js';
import { createDb, createPool, type Db } from '../../src/platform/db/database.js';
import { withDatabase } from './global-setup.js';

export interface TestDatabase {
  readonly name: string;
  /** Owner (superuser in tests): for set-up and for inspecting what the app role cannot see. */
  readonly ownerUrl: string;
  /** The application role, subject to row-level security. */
  readonly appUrl: string;
  readonly db: Db;
  readonly ownerDb: Db;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('testDatabase').adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: a clone of the migrated template, or empty with `migrated: false`. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl, template, appPassword } = inject('testDatabase');
  const name = `leadline_test_${randomBytes(6).toString('hex')}`;
  const source = options.migrated === false ? 'template0' : template;
  await admin((client) => client.query(`create database ${name} template ${source}`));
  const ownerUrl = withDatabase(adminUrl, name);
  const appUrl = withDatabase(adminUrl, name, { user: APP_ROLE, password: appPassword });
  const db = createDb(createPool({ connectionString: appUrl, max: 4, applicationName: 'leadline-test-app' }));
  const ownerDb = createDb(
    createPool({ connectionString: ownerUrl, max: 2, applicationName: 'leadline-test-owner' }),
  );
  return {
    name,
    ownerUrl,
    appUrl,
    db,
    ownerDb,
    drop: async () => {
      await db.destroy();
      await ownerDb.destroy();
      await admin((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}
