import path from 'node:path';
import type { Config } from '../config/config.js';
import { readOrCreateLocalSecrets } from '../config/local-secrets.js';
import type { Logger } from '../logging/logger.js';
import { APP_ROLE, ensureAppLogin } from './app-role.js';
import { createDb, createPool } from './database.js';
import { startEmbeddedCluster } from './embedded-postgres.js';

export const EMBEDDED_DATABASE = 'leadline';

/** Where the database is and how to reach it as owner (migrations) and as the application role. */
export interface DatabaseLocation {
  readonly ownerUrl: string;
  readonly appUrl: string;
  /** Set when the app logs in as the owner and must switch role per session (no DATABASE_APP_URL). */
  readonly sessionRole: string | undefined;
  readonly embedded: boolean;
  /** Stops the embedded cluster when this process is the one that should; a no-op for a server. */
  release(): Promise<void>;
}

export async function locateDatabase(
  config: Config,
  logger: Logger,
  options: { stopEmbedded: 'always' | 'if-started-here' },
): Promise<DatabaseLocation> {
  if (config.database.url) {
    return {
      ownerUrl: config.database.url,
      appUrl: config.database.appUrl ?? config.database.url,
      sessionRole: config.database.appUrl ? undefined : APP_ROLE,
      embedded: false,
      release: async () => {},
    };
  }
  const secrets = readOrCreateLocalSecrets(config.dataDir);
  const cluster = await startEmbeddedCluster({
    dir: path.join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    superuserPassword: secrets.embeddedSuperuserPassword,
    logger,
  });
  await bootstrapEmbeddedDatabase(cluster.superuserUrl('postgres'), secrets.embeddedAppPassword);
  const appUrl = new URL(cluster.superuserUrl(EMBEDDED_DATABASE));
  appUrl.username = APP_ROLE;
  appUrl.password = encodeURIComponent(secrets.embeddedAppPassword);
  return {
    ownerUrl: cluster.superuserUrl(EMBEDDED_DATABASE),
    appUrl: appUrl.toString(),
    sessionRole: undefined,
    embedded: true,
    release: async () => {
      if (options.stopEmbedded === 'always' || cluster.startedHere) await cluster.stop();
    },
  };
}

/** Leadline is the DBA of its embedded cluster: it creates the database and the app login. */
async function bootstrapEmbeddedDatabase(maintenanceUrl: string, appPassword: string): Promise<void> {
  const pool = createPool({
    connectionString: maintenanceUrl,
    max: 1,
    applicationName: 'leadline-bootstrap',
  });
  const db = createDb(pool);
  try {
    const { rows } = await pool.query('select 1 from pg_database where datname = $1', [EMBEDDED_DATABASE]);
    if (rows.length === 0) await pool.query(`create database ${EMBEDDED_DATABASE}`);
    await ensureAppLogin(db, appPassword);
  } finally {
    await db.destroy();
  }
}
