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
import type { ReadinessCheck } from '../../src/platform/http/health.routes.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics/metrics.js';
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
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  metrics: Metrics;
  logs: CapturedLogger;
}

/** The real application (same plugins, hooks and error handling) on a captured logger, ready for inject(). */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = testConfig(options.env);
  const metrics = createMetrics();
  const logs = captureLogger({ level: options.logLevel ?? 'info' });
  const readiness: ReadinessCheck =
    options.readiness ?? (async () => ({ database: true, migrations: true, worker: true }));
  const database = options.database ?? (await createTestDatabase());
  const app = await buildApp({
    config,
    logger: logs.logger,
    metrics,
    readiness,
    db: database.db,
    authenticate: createAuthenticator(database.db, config),
  });
  if (!options.database) app.addHook('onClose', () => database.drop());
  const extraRoutes = options.extraRoutes;
  if (extraRoutes) {
    await app.register(async (scope) => {
      extraRoutes(scope.withTypeProvider<ZodTypeProvider>());
    });
  }
  await app.ready();
  return { app, config, metrics, logs };
}
