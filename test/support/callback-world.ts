import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { FastifyInstance } from 'fastify';
import { createTwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import type { Metrics } from '../../src/platform/metrics/metrics.js';
import { buildTasks } from '../../src/tasks.js';
import { type FakeAccount, type FakeTwilio, startFakeTwilio } from '../fakes/twilio.js';
import { buildTestApp } from './app.js';
import { freePort } from './free-port.js';
import { captureLogger } from './log-capture.js';
import { newTenant, signedInMember } from './tenant-members.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const SITE_ORIGIN = 'https://shop.example.com';
export const AGENT_NUMBERS = ['+390612345678', '+390287654321'];

export interface CallbackWorld {
  database: TestDatabase;
  twilio: FakeTwilio;
  account: FakeAccount;
  app: FastifyInstance;
  config: Config;
  metrics: Metrics;
  baseUrl: string;
  tenantId: string;
  admin: Record<string, string>;
  widget: { id: string; publicKey: string };
  callerNumber: string;
  close(): Promise<void>;
}

/** A solved ALTCHA payload for `widgetKey`, as the widget would post it. */
export async function solvedAltcha(
  baseUrl: string,
  widgetKey: string,
  origin = SITE_ORIGIN,
): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/public/widgets/${widgetKey}/challenge`, {
    headers: { origin },
  });
  if (response.status !== 200) throw new Error(`challenge: ${response.status} ${await response.text()}`);
  const challenge = (await response.json()) as Parameters<typeof solveChallenge>[0]['challenge'];
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('ALTCHA not solved');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

/**
 * Leadline listening on a real port (so the fake Twilio can fetch its TwiML), a worker running the real
 * call-back jobs against the fake Twilio, and a workspace with Twilio connected, a caller number, a widget
 * and the given business hours (always open by default).
 */
export async function startCallbackWorld(
  options: {
    env?: Record<string, string>;
    hours?: unknown;
    settings?: Record<string, unknown>;
    worker?: boolean;
    allowedOrigins?: string[];
  } = {},
): Promise<CallbackWorld> {
  const twilio = await startFakeTwilio();
  const account = twilio.addAccount();
  const database = await createTestDatabase();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { app, config, metrics } = await buildTestApp({
    database,
    env: {
      PUBLIC_URL: baseUrl,
      TWILIO_API_URL: twilio.url,
      OUTBOUND_ALLOW_PRIVATE_HOSTS: twilio.hostPort,
      ALTCHA_MAX_COUNTER: '200',
      CALLBACK_PER_IP_PER_HOUR: '1000',
      ...options.env,
    },
  });
  await app.listen({ port, host: '127.0.0.1' });

  let worker: RunningWorker | undefined;
  const workerPool = createPool({
    connectionString: database.appUrl,
    max: 4,
    applicationName: 'callback-worker',
  });
  const runtime = createTwilioRuntime({ config, db: database.db });
  if (options.worker !== false) {
    const logs = captureLogger({ level: 'info' });
    const tasks = buildTasks({
      secretKey: config.secretKey,
      publicUrl: config.http.publicUrl,
      mailer: { transport: 'test', send: async () => {}, close: async () => {} } as never,
      agent: {} as never,
      whatsappOutbound: {} as never,
      accounts: { db: database.db, config },
      contactImports: {} as never,
      callbacks: {
        bridge: runtime.bridge,
        sms: runtime.bridge,
        secretKey: config.secretKey,
        ringSeconds: 20,
        metrics,
      },
      sms: { rest: runtime.rest, config },
    }).filter((task) => task.id.startsWith('callbacks.'));
    worker = await startWorker({
      pool: workerPool,
      db: database.db,
      logger: logs.logger,
      tasks,
      concurrency: 2,
      pollIntervalMs: 200,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
  }

  const tenantId = await newTenant(database.db);
  const admin = (await signedInMember(database.db, config, { tenantId, role: 'admin' })).headers;
  const call = async (method: 'PUT' | 'POST' | 'GET', url: string, payload?: unknown) => {
    const response = await app.inject({ method, url, headers: admin, payload: payload as object });
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  await call('PUT', '/api/v1/twilio/connection', {
    accountSid: account.accountSid,
    authToken: account.authToken,
  });
  const numbers = await call('POST', '/api/v1/twilio/numbers/sync');
  const caller = numbers.items[0];
  await call('PUT', '/api/v1/callback-settings', {
    allowedCountries: ['IT', 'BR', 'US'],
    retryAfterMinutes: 5,
    maxRetries: 1,
    machineDetection: false,
    perNumberPerDay: 3,
    perWidgetPerDay: 1000,
    notifyEmail: 'sales@example.com',
    notifySmsE164: null,
    ...options.settings,
  });
  const widget = await call('POST', '/api/v1/widgets', {
    name: 'Shop',
    allowedOrigins: options.allowedOrigins ?? [SITE_ORIGIN],
    defaultCountry: 'IT',
    agentNumbers: AGENT_NUMBERS,
    ringStrategy: 'simultaneous',
    callerNumberId: caller.id,
  });
  if (options.hours) await call('PUT', '/api/v1/business-hours', options.hours);

  return {
    database,
    twilio,
    account,
    app,
    config,
    metrics,
    baseUrl,
    tenantId,
    admin,
    widget: { id: widget.id, publicKey: widget.publicKey },
    callerNumber: caller.phoneE164,
    async close() {
      await worker?.stop();
      await workerPool.end();
      await runtime.close();
      await app.close();
      await twilio.close();
    },
  };
}

/** Posts the widget's form from SITE_ORIGIN (as a browser on the tenant's site would). */
export async function submitCallback(
  world: CallbackWorld,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${world.baseUrl}/api/v1/public/widgets/${world.widget.publicKey}/callbacks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SITE_ORIGIN, ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}
