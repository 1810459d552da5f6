import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { enqueue } from '../../src/platform/jobs/enqueue.js';
import { defineTask } from '../../src/platform/jobs/task.js';
import { startWorker } from '../../src/platform/jobs/worker.js';
import {
  type ErrorReporting,
  scrubBreadcrumb,
  scrubText,
  startErrorReporting,
} from '../../src/platform/observability/error-reporting.js';
import { type FakeSentry, startFakeSentry } from '../fakes/sentry-server.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp, type ZodApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Sentry (ADR 0037) against a local endpoint speaking Sentry's envelope protocol: an unhandled error in a
 * route and in a job each arrive as one event, tagged with the route or task and the workspace, with the
 * personal data of the error message, the request and its headers scrubbed before sending.
 */
const PHONE = '+39 347 123 4567';
const EMAIL = 'mario.rossi@example.com';

const logs = captureLogger();
let sentry: FakeSentry;
let reporting: ErrorReporting;
let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let member: SignedInMember;

function explodingRoute(scope: ZodApp): void {
  scope.post(
    '/api/v1/test/explode/:id',
    {
      config: { access: { permission: 'conversations.read' } },
      schema: { params: z.object({ id: z.string() }), body: z.object({ note: z.string() }) },
    },
    async (request) => {
      // The body was read (it is in the request), but only the error's own message names anyone.
      if (request.body.note.length > 0) throw new Error(`lookup failed for ${PHONE} <${EMAIL}>`);
      return {};
    },
  );
}

const explodingTask = defineTask({
  id: 'test.explode',
  schema: z.object({ to: z.string() }),
  maxAttempts: 1,
  async handle(payload) {
    throw new Error(`could not reach ${payload.to}, tel. 0044 7700 900123`);
  },
});

beforeAll(async () => {
  sentry = await startFakeSentry();
  reporting = await startErrorReporting({ sentryDsn: sentry.dsn, environment: 'test' }, logs.logger);
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database, extraRoutes: explodingRoute }));
  tenantId = await newTenant(database.db, 'Reported');
  member = await signedInMember(database.db, config, { tenantId, role: 'agent' });
});

afterAll(async () => {
  await app?.close();
  await reporting?.shutdown();
  await sentry?.close();
  await database?.drop();
});

interface SentryEvent {
  tags?: Record<string, string>;
  exception?: { values?: { type?: string; value?: string }[] };
  request?: Record<string, unknown>;
  user?: Record<string, unknown>;
}

async function eventTagged(key: string, value: string): Promise<SentryEvent> {
  let found: SentryEvent | undefined;
  await waitFor(
    async () => {
      await reporting.flush();
      found = (sentry.events() as SentryEvent[]).find((event) => event.tags?.[key] === value);
      return found !== undefined;
    },
    { timeoutMs: 30_000, description: `a Sentry event with ${key}=${value}` },
  );
  return found as SentryEvent;
}

describe('error reporting to Sentry', () => {
  it('a route’s unhandled error is reported once, scrubbed, with its route pattern and workspace', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/test/explode/4915200000001?token=query-secret-42',
      headers: { ...member.headers, 'x-forwarded-for': '203.0.113.9', 'user-agent': 'agent/1.0' },
      payload: { note: 'body-secret-note' },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('internal_error');

    const event = await eventTagged('route', '/api/v1/test/explode/:id');
    const routeEvents = (sentry.events() as SentryEvent[]).filter((e) => e.tags?.route === event.tags?.route);
    expect(routeEvents).toHaveLength(1);
    expect(event.tags).toMatchObject({ workspace_id: tenantId, request_id: response.json().error.requestId });
    const value = event.exception?.values?.[0]?.value ?? '';
    expect(value).toContain('lookup failed for [phone] <[email]>');
    expect(event.user ?? {}).toEqual({});

    const raw = sentry
      .envelopes()
      .map((envelope) => envelope.raw)
      .join('\n');
    for (const forbidden of [
      '347 123 4567',
      '3471234567',
      EMAIL,
      'mario.rossi',
      '4915200000001',
      'query-secret-42',
      'body-secret-note',
      member.headers.cookie ?? 'no-cookie',
      '203.0.113.9',
    ]) {
      expect(raw, forbidden).not.toContain(forbidden);
    }
  });

  it('a job’s unhandled error is reported with its task and workspace, scrubbed', async () => {
    const pool = createPool({
      connectionString: database.appUrl,
      max: 4,
      applicationName: 'leadline-test-worker',
    });
    const worker = await startWorker({
      pool,
      db: database.db,
      logger: logs.logger,
      tasks: [explodingTask],
      concurrency: 1,
      pollIntervalMs: 200,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
    try {
      await withTenant(database.db, tenantId, (trx) =>
        enqueue(trx, explodingTask, { to: 'anna.verdi@example.org' }, { requestId: 'job-report-test' }),
      );
      const event = await eventTagged('task', 'test.explode');
      expect(event.tags).toMatchObject({ workspace_id: tenantId, request_id: 'job-report-test' });
      expect(event.exception?.values?.[0]?.value).toBe('could not reach [email], tel. [phone]');
    } finally {
      await worker.stop();
      await pool.end();
    }
    const raw = sentry
      .envelopes()
      .map((envelope) => envelope.raw)
      .join('\n');
    expect(raw).not.toContain('anna.verdi');
    expect(raw).not.toContain('7700 900123');
  });

  it('scrubs numbers and addresses in free text and keeps only safe breadcrumb data', () => {
    expect(scrubText('call (347) 123-4567 or +44 20 7946 0958, mail a.b@c.io; order 12345')).toBe(
      'call [phone] or [phone], mail [email]; order 12345',
    );
    expect(
      scrubBreadcrumb({
        category: 'http',
        message: 'POST to +393471234567 failed',
        data: {
          url: 'https://api.example.com/v1/+393471234567?token=abc',
          method: 'POST',
          body: 'hi',
          status_code: 500,
        },
      }),
    ).toEqual({
      category: 'http',
      message: 'POST to [phone] failed',
      data: { url: 'https://api.example.com/v1/:n', method: 'POST', status_code: 500 },
    });
  });
});
