import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createAuthenticator } from './accounts/authenticate.js';
import { createLlmAgent } from './agent/llm/llm-agent.js';
import { createQualifier } from './agent/qualifier/qualifier.js';
import { buildApp } from './app.js';
import { createAutomationTasks } from './automations/automations.tasks.js';
import { createTwilioRuntime } from './channels/twilio/twilio-runtime.js';
import { createWhatsappOutbound } from './channels/whatsapp/outbound-runtime.js';
import { conversationAttachmentSources } from './conversations/attachments/attachments.service.js';
import { emailEventsSecretBox } from './integrations/email-events/settings.service.js';
import { hubspotSecretBox } from './integrations/hubspot/connection.service.js';
import { createHubspotRuntime } from './integrations/hubspot/hubspot-runtime.js';
import { createLemlistRuntime } from './integrations/lemlist/lemlist-runtime.js';
import { createMailer } from './mail/mailer.js';
import { scheduledBackupTasks } from './platform/backups/scheduled-backup.task.js';
import { type Config, configuredSecrets } from './platform/config/config.js';
import { configureDataKeysFrom } from './platform/crypto/data-keys.js';
import { appRoleProblems, inspectAppRole } from './platform/db/app-role.js';
import { type DatabaseLocation, locateDatabase } from './platform/db/connect.js';
import { createClient, createDb, createPool, type Db } from './platform/db/database.js';
import { appliedMigrations, expectedMigrations } from './platform/db/migrator.js';
import { prepareDatabase } from './platform/db/prepare.js';
import { configuredOutboundClient } from './platform/http/outbound/outbound-client.js';
import { WorkerHeartbeat } from './platform/jobs/heartbeat.js';
import type { AnyTask } from './platform/jobs/task.js';
import { type RunningWorker, startWorker } from './platform/jobs/worker.js';
import { createLogger, type Logger } from './platform/logging/logger.js';
import { breakerGauge } from './platform/metrics/breaker-gauge.js';
import { registerDatabaseGauges } from './platform/metrics/database-gauges.js';
import { createMetrics, type MetricsServer, startMetricsServer } from './platform/metrics/metrics.js';
import { startErrorReporting } from './platform/observability/error-reporting.js';
import { startTracing } from './platform/observability/tracing.js';
import { startRateLimitCleanup } from './platform/rate-limit/cleanup.js';
import { createLimiterStore } from './platform/rate-limit/limiter-store.js';
import { privacyTasks } from './privacy/privacy.tasks.js';
import { configureSuppressionFrom, suppressionKeys } from './privacy/suppression.js';
import { createQuoteDrafting } from './quotes/drafting/llm-drafter.js';
import { quoteAttachments } from './quotes/quote-attachments.js';
import { reportsTasks } from './reports/reports.tasks.js';
import { buildTasks } from './tasks.js';

export interface RuntimeOptions {
  http: boolean;
  worker: boolean;
  /** serve owns an embedded cluster it finds; other commands stop only a cluster they started. */
  stopEmbedded: 'always' | 'if-started-here';
  migrate: boolean;
  tasks?: readonly AnyTask[];
  logger?: Logger;
}

export interface Runtime {
  readonly logger: Logger;
  readonly db: Db;
  readonly app: FastifyInstance | undefined;
  readonly url: string | undefined;
  readonly metricsPort: number | undefined;
  close(): Promise<void>;
}

/**
 * Starts what a process runs (HTTP, worker or both) and returns one `close` that undoes it in reverse:
 * stop accepting and drain requests, let jobs finish or release them, close pools, stop the database.
 */
export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const logger =
    options.logger ?? createLogger({ level: config.log.level, secrets: configuredSecrets(config) });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };
  configureDataKeysFrom(config);
  configureSuppressionFrom(config);
  try {
    // First, so they are closed (flushed) last; each loads its SDK only when configured (ADR 0037).
    const tracing = await startTracing(config.observability, logger);
    closers.push(() => tracing.shutdown());
    const errorReporting = await startErrorReporting(
      { sentryDsn: config.observability.sentryDsn, environment: config.env },
      logger,
    );
    closers.push(() => errorReporting.shutdown());
    const location = await locateDatabase(config, logger, { stopEmbedded: options.stopEmbedded });
    closers.push(() => location.release());
    if (options.migrate) await prepareDatabase(location.ownerUrl, logger);

    const pool = appPool(location, config.database.poolSize, 'leadline-app', logger);
    const db = createDb(pool);
    closers.push(() => db.destroy());
    await assertSafeAppRole(db);

    // One registry per process: the worker's LLM counters and the HTTP metrics are served together.
    const metrics = createMetrics();
    registerDatabaseGauges(metrics.registry, db);
    let worker: RunningWorker | undefined;
    if (options.worker) {
      const workerPool = appPool(location, workerPoolSize(config.worker), 'leadline-worker', logger);
      closers.push(() => workerPool.end());
      const mailer = createMailer(config, db);
      closers.push(() => mailer.close());
      const workerLimits = createLimiterStore({ pool: workerPool, redisUrl: config.redisUrl });
      closers.push(() => workerLimits.close());
      const whatsappOutbound = createWhatsappOutbound({
        config,
        db,
        limiterStore: workerLimits,
        logger,
        attachments: { ...quoteAttachments, ...conversationAttachmentSources },
      });
      closers.push(() => whatsappOutbound.close());
      // Phantombuster's API and result files, and the enrichment provider: one client, a breaker per provider.
      const integrationsHttp = configuredOutboundClient(config, {
        onBreakerChange: breakerGauge(metrics.circuitBreakersOpen, 'integrations'),
      });
      closers.push(() => integrationsHttp.close());
      // Tenants with enabled LLM settings get the LLM agent; the qualifier answers for the others and
      // whenever the LLM cannot.
      const agent = createLlmAgent({
        db,
        config,
        fallback: createQualifier(),
        logger,
        metrics,
        drafting: createQuoteDrafting(db),
      });
      closers.push(() => agent.close());
      const twilio = createTwilioRuntime({ config, db });
      closers.push(() => twilio.close());
      const hubspot = createHubspotRuntime({ config });
      closers.push(() => hubspot.close());
      const lemlist = createLemlistRuntime({ config });
      closers.push(() => lemlist.close());
      const callbacks = {
        bridge: twilio.bridge,
        sms: twilio.bridge,
        secretKey: config.secretKey,
        ringSeconds: config.callbacks.ringSeconds,
        metrics,
      };
      worker = await startWorker({
        pool: workerPool,
        db,
        logger,
        tasks: options.tasks ?? [
          ...buildTasks({
            secretKey: config.secretKey,
            publicUrl: config.http.publicUrl,
            mailer,
            agent,
            whatsappOutbound,
            accounts: { db, config },
            callbacks,
            contactImports: {
              pool: workerPool,
              blobs: whatsappOutbound.blobs,
              suppressionKeys: suppressionKeys([config.secretKey, ...config.previousSecretKeys]),
            },
            sms: {
              rest: twilio.rest,
              config,
              throughput: whatsappOutbound.throughput,
              inDoubtWaitMs: config.twilio.smsInDoubtWaitSeconds * 1000,
            },
            leadSources: { db, config, blobs: whatsappOutbound.blobs, http: integrationsHttp },
            hubspot: { client: hubspot.client, box: hubspotSecretBox(config) },
            lemlist: { client: lemlist.client, box: emailEventsSecretBox(config) },
          }),
          ...scheduledBackupTasks({ config, ownerUrl: location.ownerUrl, blobs: whatsappOutbound.blobs }),
          ...reportsTasks({ db }),
          ...privacyTasks({
            db,
            blobs: whatsappOutbound.blobs,
            secretKey: config.secretKey,
            metrics,
            retention: config.retention,
          }),
          ...createAutomationTasks({
            db,
            hubspot: { client: hubspot.client, box: hubspotSecretBox(config) },
          }),
        ],
        concurrency: config.worker.concurrency,
        outboundConcurrency: config.worker.outboundConcurrency,
        pollIntervalMs: config.worker.pollIntervalMs,
        staleAfterMs: config.worker.staleAfterSeconds * 1000,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        deadLettered: metrics.jobsDeadLettered,
        deadLettersWaiting: metrics.jobsDeadLetters,
      });
      closers.push(() => worker!.stop());
      logger.info(
        { concurrency: config.worker.concurrency, outboundConcurrency: config.worker.outboundConcurrency },
        'job worker started',
      );
    }

    let app: FastifyInstance | undefined;
    let url: string | undefined;
    let metricsServer: MetricsServer | undefined;
    if (options.http) {
      const limiterStore = createLimiterStore({ pool, redisUrl: config.redisUrl });
      closers.push(() => limiterStore.close());
      if (!config.redisUrl) {
        // Counters of the PostgreSQL store outlive their window; Redis expires its own keys.
        const stopCleanup = startRateLimitCleanup(db, { intervalMs: 10 * 60_000, logger });
        closers.push(async () => stopCleanup());
      }
      const staleAfterMs = config.worker.staleAfterSeconds * 1000;
      app = await buildApp({
        config,
        logger,
        metrics,
        readiness: () => readiness(db, worker, staleAfterMs),
        db,
        authenticate: createAuthenticator(db, config),
        limiterStore,
        connectListener: () =>
          createClient({
            connectionString: location.appUrl,
            sessionRole: location.sessionRole,
            applicationName: 'leadline-live',
          }),
      });
      await app.listen({ host: config.http.host, port: config.http.port });
      closers.push(() => app!.close());
      metricsServer = await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
      closers.push(() => metricsServer!.close());
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
      logger.info({ url, metricsPort: metricsServer.port }, `Leadline is listening on ${url}`);
    }
    return { logger, db, app, url, metricsPort: metricsServer?.port, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The worker's pool: a connection per main-lane job and one for each runner's LISTEN. Outbound jobs hold no
 * connection while they wait on a provider, only to fetch and complete a job, so their lane shares a few.
 */
function workerPoolSize(worker: Config['worker']): number {
  return worker.concurrency + 2 + Math.min(worker.outboundConcurrency, 8);
}

function appPool(location: DatabaseLocation, max: number, applicationName: string, logger: Logger) {
  return createPool({
    connectionString: location.appUrl,
    sessionRole: location.sessionRole,
    max,
    applicationName,
    onError: (error) => logger.warn({ err: error, pool: applicationName }, 'database connection lost'),
  });
}

async function assertSafeAppRole(db: Db): Promise<void> {
  const problems = appRoleProblems(await inspectAppRole(db));
  if (problems.length > 0) {
    throw new Error(
      `the application database role is too powerful for row-level security: ${problems.join('; ')}`,
    );
  }
}

async function readiness(db: Db, worker: RunningWorker | undefined, staleAfterMs: number) {
  const checks = { database: false, migrations: false, worker: false };
  try {
    await sql`select 1`.execute(db);
    checks.database = true;
    const applied = await appliedMigrations(db);
    checks.migrations = expectedMigrations().every((name) => applied.includes(name));
    checks.worker = worker ? worker.isRunning() : await WorkerHeartbeat.anyAlive(db, staleAfterMs);
  } catch {
    // Reported as not ready; the failing check stays false.
  }
  return checks;
}
