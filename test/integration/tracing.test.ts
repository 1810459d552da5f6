import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { startWorker } from '../../src/platform/jobs/worker.js';
import { startTracing, type Tracing, tracingActive } from '../../src/platform/observability/tracing.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../fakes/otlp-receiver.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { createConversation, type OutboundHarness, outboundHarness } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * OpenTelemetry tracing (ADR 0037) against a local OTLP/HTTP receiver: an API send is one trace, HTTP
 * request -> send job (through the job's envelope) -> the call to the (fake) Graph API, each span
 * carrying the workspace id and nothing personal.
 */
// OTLP's span kinds (the protocol's numbering).
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;
const TEXT = 'Call me on +39 347 123 4567 or write to mario.rossi@example.com';

const logs = captureLogger();
let receiver: OtlpReceiver;
let tracing: Tracing;
let database: TestDatabase;
let fake: FakeGraphApi;
let app: FastifyInstance;
let config: Config;
let harness: OutboundHarness;
let tenantId: string;
let member: SignedInMember;

beforeAll(async () => {
  // Not configured: nothing starts (and no SDK module is imported).
  await startTracing({ otlpEndpoint: undefined, serviceName: 'leadline' }, logs.logger);
  expect(tracingActive()).toBe(false);
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ otlpEndpoint: receiver.url, serviceName: 'leadline-test' }, logs.logger);
  expect(tracingActive()).toBe(true);
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  ({ app, config } = await buildTestApp({
    database,
    env: { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort },
  }));
  harness = outboundHarness(database, config, fake, logs.logger);
  tenantId = await newTenant(database.db, 'Traced');
  member = await signedInMember(database.db, config, { tenantId, role: 'agent' });
});

afterAll(async () => {
  await app?.close();
  await harness?.close();
  await tracing?.shutdown();
  await receiver?.close();
  await fake?.close();
  await database?.drop();
});

function byKind(spans: ReceivedSpan[], kind: number, name?: string) {
  return spans.filter((span) => span.kind === kind && (name === undefined || span.name === name));
}

describe('tracing', () => {
  it('exports request -> job -> outbound call as one trace with the workspace id and no personal data', async () => {
    const fixture = await createConversation(database.db, config, {
      tenantId,
      accessToken: fake.accessToken,
    });
    // A query string a client might add (a token) never reaches the trace: spans are named by route pattern.
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${fixture.conversationId}/messages?access_token=query-secret-42`,
      headers: member.headers,
      payload: { type: 'text', text: TEXT },
    });
    expect(response.statusCode).toBe(202);

    const pool = createPool({
      connectionString: database.appUrl,
      max: 4,
      applicationName: 'leadline-test-worker',
    });
    const worker = await startWorker({
      pool,
      db: database.db,
      logger: logs.logger,
      tasks: [createSendMessageTask(harness.outbound)],
      concurrency: 1,
      pollIntervalMs: 200,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
    try {
      await waitFor(() => fake.sends().length === 1, {
        timeoutMs: 60_000,
        description: 'the send reached Meta',
      });
    } finally {
      await worker.stop();
      await pool.end();
    }

    const route = 'POST /api/v1/conversations/:id/messages';
    await waitFor(
      async () => {
        await tracing.flush();
        const spans = receiver.spans();
        return byKind(spans, SERVER, route).length > 0 && byKind(spans, CLIENT).length > 0;
      },
      { timeoutMs: 60_000, description: 'the spans were exported' },
    );
    const spans = receiver.spans();
    const [request] = byKind(spans, SERVER, route);
    const [job] = byKind(spans, CONSUMER).filter((span) => span.traceId === request?.traceId);
    const [call] = byKind(spans, CLIENT).filter((span) => span.traceId === request?.traceId);
    expect(request?.serviceName).toBe('leadline-test');

    expect(request?.parentSpanId).toBeUndefined();
    expect(request?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/conversations/:id/messages',
      'http.response.status_code': 202,
      'leadline.workspace_id': tenantId,
    });

    // The job continues the request's trace through the envelope's traceparent.
    expect(job?.name).toBe('job whatsapp.send-message');
    expect(job?.parentSpanId).toBe(request?.spanId);
    expect(job?.attributes).toMatchObject({
      'leadline.workspace_id': tenantId,
      'leadline.job.task': 'whatsapp.send-message',
      'leadline.job.attempt': 1,
    });

    // The outbound call is the job's child; its path keeps the route's shape, not the phone number id.
    expect(call?.parentSpanId).toBe(job?.spanId);
    expect(call?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.path': `/${config.whatsapp.graphApiVersion}/:n/messages`,
    });
    // The call carried the trace to the provider: traceparent 00-<trace id>-<the client span's id>-01.
    expect(fake.sends()[0]?.traceparent).toBe(`00-${request?.traceId}-${call?.spanId}-01`);
    expect(String(call?.attributes['url.full'])).toBe(
      `${fake.url}/${config.whatsapp.graphApiVersion}/:n/messages`,
    );

    // Nothing personal, secret or identifying in anything exported.
    const exported = receiver.rawBodies().join('\n');
    for (const forbidden of [
      fixture.phoneE164.slice(1),
      '347 123 4567',
      'mario.rossi',
      'Call me on',
      'query-secret-42',
      fake.accessToken,
      fixture.phoneNumberId,
      fixture.conversationId,
      member.headers.cookie ?? 'no-cookie',
    ]) {
      expect(exported, forbidden).not.toContain(forbidden);
    }
  }, 120_000);

  it('a second start is a no-op and tracing stays on until shut down', async () => {
    const again = await startTracing({ otlpEndpoint: receiver.url, serviceName: 'other' }, logs.logger);
    await again.shutdown();
    expect(tracingActive()).toBe(true);
  });
});
