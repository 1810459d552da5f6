import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Config, configuredSecrets } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { enqueue } from '../../src/platform/jobs/enqueue.js';
import { defineTask } from '../../src/platform/jobs/task.js';
import { type Runtime, startRuntime } from '../../src/server.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { pollUntil } from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../support/config.js';
import { type CapturedLogger, captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PHONE = '+393331234567';
const EMAIL = 'mario.rossi@example.com';
const MESSAGE_TEXT = 'my secret message body';

const secret = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;
const METRICS_TOKEN = secret('metrics');
const BEARER = secret('bearer');
const COOKIE = secret('cookie');
const SIGNATURE = randomBytes(32).toString('hex');
const VERIFY_TOKEN = secret('verify');

/** A task like a real outbound message: its payload is personal data and customer text; it fails once. */
let deliveryAttempts = 0;
const deliverTask = defineTask({
  id: 'test_log_redaction_deliver',
  schema: z.object({ phone: z.string(), email: z.string(), text: z.string() }),
  maxAttempts: 3,
  async handle(payload, ctx) {
    deliveryAttempts++;
    ctx.logger.info({ phone: payload.phone, email: payload.email, text: payload.text }, 'delivering message');
    if (deliveryAttempts === 1) {
      throw new Error(`provider refused the message to ${payload.phone} (${payload.email})`);
    }
  },
});

let database: TestDatabase;
let config: Config;
let runtime: Runtime | undefined;
let logs: CapturedLogger;
const statuses: Record<string, number> = {};

function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

async function request(name: string, path: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(`${runtime!.url}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  statuses[name] = response.status;
}

/** Everything a client can put in front of the logger: credentials in headers, tokens and personal data in URLs and bodies. */
async function exercise(): Promise<void> {
  await request('credentials in headers', '/health', {
    headers: {
      authorization: `Bearer ${BEARER}`,
      cookie: `session=${COOKIE}`,
      'x-hub-signature-256': `sha256=${SIGNATURE}`,
    },
  });
  await request(
    'verify token and phone in the query',
    `/health?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&phone=${PHONE}&hub.challenge=42`,
  );
  await request('e-mail in a 404 path', `/api/v1/customers/${EMAIL}`);
  await request('encoded e-mail in a 404 path', `/api/v1/customers/${encodeURIComponent(EMAIL)}/messages`);
  await request('encoded phone in a 404 path', `/api/v1/customers/${encodeURIComponent(PHONE)}`);
  for (const path of ['/health', '/api/v1/messages']) {
    await request(`bad JSON to ${path}`, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `session=${COOKIE}` },
      body: `{"to": ${PHONE}, "email": "${EMAIL}", "text": "${MESSAGE_TEXT}"`,
    });
  }
  await request('metrics with a wrong token', '/metrics', {
    headers: { authorization: `Bearer ${BEARER}` },
  });
  await request('metrics with the token', '/metrics', {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });

  const tenant = await createTenant(runtime!.db, { name: 'Log redaction' });
  await withTenant(runtime!.db, tenant.id, (trx) =>
    enqueue(
      trx,
      deliverTask,
      { phone: PHONE, email: EMAIL, text: MESSAGE_TEXT },
      { requestId: 'log-test-1' },
    ),
  );
  // The first attempt fails; graphile-worker retries after about e^1 seconds.
  await pollUntil('the job to succeed on its second attempt', 20_000, async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker._private_jobs`.execute(database.ownerDb);
    return rows[0]?.n === 0 && deliveryAttempts === 2 ? true : undefined;
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  config = testConfig({
    DATABASE_URL: database.ownerUrl,
    DATABASE_APP_URL: database.appUrl,
    METRICS_TOKEN,
    LOG_LEVEL: 'info',
  });
  logs = captureLogger({ level: 'info', secrets: configuredSecrets(config) });
  try {
    runtime = await startRuntime(config, {
      http: true,
      worker: true,
      migrate: true,
      stopEmbedded: 'if-started-here',
      tasks: [deliverTask],
      logger: logs.logger,
    });
    await exercise();
  } finally {
    await runtime?.close();
    logs.logger.flush();
    await new Promise((resolve) => setImmediate(resolve));
  }
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

describe('what the running application logs', () => {
  it('served each request as expected, so the log lines below are about real traffic', () => {
    expect(statuses).toEqual({
      'credentials in headers': 200,
      'verify token and phone in the query': 200,
      'e-mail in a 404 path': 404,
      'encoded e-mail in a 404 path': 404,
      'encoded phone in a 404 path': 404,
      'bad JSON to /health': expect.any(Number),
      'bad JSON to /api/v1/messages': expect.any(Number),
      'metrics with a wrong token': 401,
      'metrics with the token': 200,
    });
    expect(statuses['bad JSON to /health']).toBeGreaterThanOrEqual(400);
    expect(statuses['bad JSON to /api/v1/messages']).toBeGreaterThanOrEqual(400);
    expect(deliveryAttempts).toBe(2);
  });

  it('is not trivially empty: requests, rejections and the job are all there', () => {
    const lines = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = lines.map((line) => String(line.msg));
    expect(messages.filter((msg) => msg === 'incoming request').length).toBeGreaterThanOrEqual(9);
    expect(messages.filter((msg) => msg === 'request completed').length).toBeGreaterThanOrEqual(9);
    expect(messages).toContain('request rejected');
    expect(messages.filter((msg) => msg === 'delivering message')).toHaveLength(2);
    expect(messages.some((msg) => msg.startsWith('Failed task'))).toBe(true);
    expect(messages.some((msg) => msg.startsWith('Completed task'))).toBe(true);

    const text = logs.text();
    // Masked, not dropped: what support needs to tell contacts apart survives.
    expect(text).toContain('+39******67');
    expect(text).toContain('m***@example.com');
    expect(text).toContain('hub.verify_token=~');
    const delivery = lines.find((line) => line.msg === 'delivering message');
    expect(delivery).toMatchObject({ phone: '+39******67', email: 'm***@example.com', task: deliverTask.id });
    expect(delivery?.text).toBe('[REDACTED]');
    // Percent-encoded in a path, as clients send them.
    expect(text).toContain('/api/v1/customers/m***%40example.com/messages');
    expect(text).toContain('/api/v1/customers/%2B39******67');
    // graphile-worker logs the whole job row; its payload is the customer's data.
    const failure = lines.find((line) => String(line.msg).startsWith('Failed task'));
    expect(failure?.job).toMatchObject({ id: expect.anything(), payload: '[REDACTED]' });
  });

  const forbidden: [string, () => string][] = [
    ['the SECRET_KEY', () => TEST_SECRET_KEY],
    ['the METRICS_TOKEN', () => METRICS_TOKEN],
    ['the owner database password', () => passwordOf(database.ownerUrl)],
    ['the app database password', () => passwordOf(database.appUrl)],
    ['the cookie value', () => COOKIE],
    ['the bearer token', () => BEARER],
    ['the webhook signature', () => SIGNATURE],
    ['the webhook verify token', () => VERIFY_TOKEN],
    ['the phone number', () => PHONE],
    ['the phone number without its plus', () => PHONE.slice(1)],
    ['the national part of the phone number', () => PHONE.slice(3)],
    ['the e-mail address', () => EMAIL],
    ['the local part of the e-mail address', () => EMAIL.split('@')[0]!],
    ['the message text', () => MESSAGE_TEXT],
  ];

  it.each(forbidden)('never contains %s', (name, value) => {
    expect(
      value().length,
      `${name} must be a real value for this check to mean anything`,
    ).toBeGreaterThanOrEqual(6);
    expect(logs.text()).not.toContain(value());
  });

  it('never contains a configured secret, whatever configuredSecrets() lists', () => {
    expect(configuredSecrets(config)).toHaveLength(4);
    for (const value of configuredSecrets(config)) expect(logs.text()).not.toContain(value);
  });
});
