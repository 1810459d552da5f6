import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/platform/logging/logger.js';
import { createMigratedDatabase, startTestPostgres } from './postgres.js';

export { withDatabase } from './postgres.js';

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
  const postgres = await startTestPostgres(process.env.TEST_DATABASE_URL, logger);
  const { adminUrl } = postgres;
  const template = `leadline_template_${randomBytes(4).toString('hex')}`;
  const appPassword = randomBytes(18).toString('base64url');
  await createMigratedDatabase(adminUrl, template, appPassword, logger);

  project.provide('testDatabase', { adminUrl, template, appPassword });

  return async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.end();
    await postgres.stop();
  };
}
