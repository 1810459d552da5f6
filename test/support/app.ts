import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createAuthenticator } from '../../src/accounts/authenticate.js';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/platform/config/config.js';
import { createClient, createPool } from '../../src/platform/db/database.js';
import type { ReadinessCheck } from '../../src/platform/http/health.routes.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics/metrics.js';
import { createLimiterStore, type LimiterStore } from '../../src/platform/rate-limit/limiter-store.js';
import { testConfig } from './config.js';
import { type CapturedLogger, captureLogger } from './log-capture.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A Fastify instance whose route schemas are Zod schemas, as in the application's own routes. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface TestAppOptions {
  /** Environment variables on top of testConfig()'s. */
  env?: Record<string, string>;
  readiness?: ReadinessCheck;
  /** Routes only a test needs, registered (as a plugin) before the app is ready. */
  extraRoutes?: (app: ZodApp) => void;
  logLevel?: 'info' | 'debug';
  /** The database for domain routes; without one, a fresh clone is made and dropped when the app closes. */
  database?: TestDatabase;
  /** Rate-limit store; without one, the PostgreSQL store on the app's database (closed with the app). */
  limiterStore?: LimiterStore;
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  metrics: Metrics;
  logs: CapturedLogger;
}

/** The real application (same plugins, hooks and error handling) on a captured logger, ready for inject(). */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // Generous limits by default: every inject() comes from 127.0.0.1, and suites other than the
  // rate-limit tests must not trip a tier. Those tests set their own limits in `env`.
  const config = testConfig({
    RATE_LIMIT_API_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_PUBLIC_FORM_PER_MINUTE: '100000',
    RATE_LIMIT_WEBHOOK_PER_MINUTE: '100000',
    RATE_LIMIT_WEBHOOK_UNKNOWN_PER_MINUTE: '100000',
    ...options.env,
  });
  const metrics = createMetrics();
  const logs = captureLogger({ level: options.logLevel ?? 'info' });
  const readiness: ReadinessCheck =
    options.readiness ?? (async () => ({ database: true, migrations: true, worker: true }));
  const database = options.database ?? (await createTestDatabase());
  const limiterStore = options.limiterStore ?? ownLimiterStore(database);
  const app = await buildApp({
    config,
    logger: logs.logger,
    metrics,
    readiness,
    db: database.db,
    authenticate: createAuthenticator(database.db, config),
    limiterStore,
    connectListener: () =>
      createClient({ connectionString: database.appUrl, applicationName: 'leadline-test-live' }),
  });
  if (!options.database) app.addHook('onClose', () => database.drop());
  if (!options.limiterStore) app.addHook('onClose', () => limiterStore.close());
  const extraRoutes = options.extraRoutes;
  if (extraRoutes) {
    await app.register(async (scope) => {
      extraRoutes(scope.withTypeProvider<ZodTypeProvider>());
    });
  }
  await app.ready();
  return { app, config, metrics, logs };
}

/** The PostgreSQL limiter store on the test database, with its own small pool. */
function ownLimiterStore(database: TestDatabase): LimiterStore {
  const pool = createPool({
    connectionString: database.appUrl,
    max: 2,
    applicationName: 'leadline-test-limits',
  });
  const store = createLimiterStore({ pool, redisUrl: undefined });
  return { create: store.create, close: () => pool.end() };
}
