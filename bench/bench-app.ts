import type { FastifyInstance } from 'fastify';
import { createAuthenticator } from '../src/accounts/authenticate.js';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/platform/config/config.js';
import { createClient, createDb, createPool, type Db } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createMetrics } from '../src/platform/metrics/metrics.js';
import { createLimiterStore } from '../src/platform/rate-limit/limiter-store.js';
import { testConfig } from '../test/support/config.js';
import type { BenchDatabase } from './bench-database.js';

export interface BenchApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  /** The owner role, for seeding in bulk past row-level security. */
  readonly ownerDb: Db;
  /** Closes the app, its limiter store and pools (not the bench database). */
  close(): Promise<void>;
}

/**
 * The whole HTTP application in this process over a bench database, with the API rate limit out of the
 * way: what a bench that times API requests measures.
 */
export async function startBenchApp(
  bench: BenchDatabase,
  label: string,
  env: Record<string, string> = {},
): Promise<BenchApp> {
  const { db, dataDir, ownerUrl, appUrl } = bench;
  const ownerDb = createDb(createPool({ connectionString: ownerUrl, max: 1, applicationName: 'bench-seed' }));
  const config = testConfig({ DATA_DIR: dataDir, RATE_LIMIT_API_PER_MINUTE: '1000000', ...env });
  const appPool = createPool({ connectionString: appUrl, max: 2, applicationName: `bench-${label}-limits` });
  const limiterStore = createLimiterStore({ pool: appPool, redisUrl: undefined });
  const app = await buildApp({
    config,
    logger: createLogger({ level: 'warn', secrets: [] }),
    metrics: createMetrics(),
    readiness: async () => ({ database: true, migrations: true, worker: true }),
    db,
    authenticate: createAuthenticator(db, config),
    limiterStore,
    connectListener: () => createClient({ connectionString: appUrl, applicationName: `bench-${label}-live` }),
  });
  return {
    app,
    config,
    ownerDb,
    close: async () => {
      await app.close();
      await limiterStore.close();
      await appPool.end();
      await ownerDb.destroy();
    },
  };
}
