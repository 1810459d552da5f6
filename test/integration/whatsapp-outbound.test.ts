import { randomInt, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { GraphApiError } from '../../src/channels/whatsapp/graph-api.client.js';
import { storeTenantDeliveries } from '../../src/channels/whatsapp/ingest.repository.js';
import { findPendingOutbound } from '../../src/channels/whatsapp/outbound.repository.js';
import { createProcessInboundTask } from '../../src/channels/whatsapp/process-inbound.task.js';
import { createSendMessageTask, sendOutbound } from '../../src/channels/whatsapp/send-message.task.js';
import { sendJobKey } from '../../src/channels/whatsapp/task-refs.js';
import { extractDelivery } from '../../src/channels/whatsapp/webhook-payload.js';
import type { Message } from '../../src/conversations/messages.table.js';
import { type OutboundBody, queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { startWorker } from '../../src/platform/jobs/worker.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { change, envelope, messages, serialise } from '../fakes/meta-webhook-client.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { taskContext } from '../support/inbound-pipeline.js';
import { captureLogger } from '../support/log-capture.js';
import {
  type ConversationFixture,
  createConversation,
  type OutboundHarness,
  outboundHarness,
  runTask,
} from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logs = captureLogger();
let database: TestDatabase;
let fake: FakeGraphApi;
let config: Config;
let harness: OutboundHarness;
let sendTask: ReturnType<typeof createSendMessageTask>;
let tenantId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  config = testConfig({ WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort });
  harness = outboundHarness(database, config, fake, logs.logger);
  sendTask = createSendMessageTask(harness.outbound);
  tenantId = await newTenant(database.db);
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
  await database?.drop();
});

beforeEach(() => fake.reset());

async function conversation(options: Partial<Parameters<typeof createConversation>[2]> = {}) {
  return createConversation(database.db, config, { tenantId, accessToken: fake.accessToken, ...options });
}

async function queue(
  fixture: ConversationFixture,
  body: OutboundBody = { type: 'text', text: 'Hello there' },
) {
  const { message } = await withTenant(database.db, fixture.tenantId, (trx) =>
    queueOutboundMessage(trx, {
      conversationId: fixture.conversationId,
      author: 'bot',
      body,
      idempotencyKey: `test:${randomUUID()}`,
      requestId: 'test',
    }),
  );
  return message;
}

async function messageRow(fixture: ConversationFixture, id: string): Promise<Message> {
  return withTenant(database.db, fixture.tenantId, (trx) =>
    trx.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

const send = (fixture: ConversationFixture, messageId: string) =>
  runTask(database.db, sendTask, fixture.tenantId, { messageId }, { logger: logs.logger });

async function sendError(fixture: ConversationFixture, messageId: string): Promise<GraphApiError> {
  const error = await send(fixture, messageId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphApiError);
  return error as GraphApiError;
}

describe('sending from the ledger', () => {
  it('sends a text in Meta’s wire format and stores the wamid with status accepted', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    await send(fixture, message.id);

    const sends = fake.sends();
    expect(sends).toHaveLength(1);
    expect(sends[0]?.path).toBe(`/${config.whatsapp.graphApiVersion}/${fixture.phoneNumberId}/messages`);
    expect(sends[0]?.authorization).toBe(`Bearer ${fake.accessToken}`);
    expect(sends[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: fixture.phoneE164.slice(1),
      type: 'text',
      text: { body: 'Hello there' },
      // The ledger row's id, echoed in the message's status callbacks (ADR 0018).
      biz_opaque_callback_data: message.id,
    });
    const row = await messageRow(fixture, message.id);
    expect(row.status).toBe('accepted');
    expect(row.providerMessageId).toMatch(/^wamid\./);
  });

  it('never sends a message twice once Meta accepted it, however often the job runs', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    await send(fixture, message.id);
    await send(fixture, message.id);
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(1);
  });

  it('sends a template with its language and components', async () => {
    const fixture = await conversation({ lastInboundAt: null });
    const message = await queue(fixture, {
      type: 'template',
      template: {
        name: 'order_update',
        language: 'en_US',
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-17' }] }],
      },
    });
    await send(fixture, message.id);
    expect(fake.sends()[0]?.body).toMatchObject({
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-17' }] }],
      },
    });
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
  });
});

describe('the 24-hour customer-service window', () => {
  it('fails free text when the customer last wrote more than 24 hours ago, without calling Meta', async () => {
    const fixture = await conversation({ lastInboundAt: new Date(Date.now() - 25 * 3_600_000) });
    const message = await queue(fixture);
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(0);
    const row = await messageRow(fixture, message.id);
    expect(row.status).toBe('failed');
    expect(row.errorCode).toBe(131047);
    expect(row.errorTitle).toMatch(/24-hour customer service window; send a template/);
  });

  it('sends free text while the window is open (23 hours after the last inbound message)', async () => {
    const fixture = await conversation({ lastInboundAt: new Date(Date.now() - 23 * 3_600_000) });
    const message = await queue(fixture);
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(1);
  });

  it('sends a template outside the window', async () => {
    const fixture = await conversation({ lastInboundAt: new Date(Date.now() - 48 * 3_600_000) });
    const message = await queue(fixture, {
      type: 'template',
      template: { name: 'hello_world', language: 'en_US' },
    });
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(1);
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
  });
});

describe('Meta’s errors', () => {
  it('131047 from Meta fails the message with Meta’s code and title (needs a template)', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'graph-error', code: 131047 });
    await send(fixture, message.id);
    const row = await messageRow(fixture, message.id);
    expect(row).toMatchObject({ status: 'failed', errorCode: 131047, errorTitle: 'Re-engagement message' });
    expect(fake.sends()).toHaveLength(1);
  });

  it.each([131026, 131049])('%i fails the message and is never retried', async (code) => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'graph-error', code }, { times: 5 });
    await send(fixture, message.id);
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(1);
    expect(await messageRow(fixture, message.id)).toMatchObject({ status: 'failed', errorCode: code });
  });

  it('130429 (throughput reached) is retried in the call and then succeeds', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'graph-error', code: 130429 });
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(2);
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
  });

  it('a 429 with Retry-After is retried no sooner than asked', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'http-429', retryAfterSeconds: 1 });
    const started = Date.now();
    await send(fixture, message.id);
    const elapsed = Date.now() - started;
    expect(fake.sends()).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('persistent 500s leave the message pending and throw, so the job retries later', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'http-500' }, { times: 3, recipient: fixture.phoneE164 });
    const error = await sendError(fixture, message.id);
    expect(error.action).toBe('retry');
    expect(fake.sends()).toHaveLength(3);
    expect((await messageRow(fixture, message.id)).status).toBe('pending');
    // The job's next attempt succeeds and sends once more, no more.
    await send(fixture, message.id);
    expect(fake.sends()).toHaveLength(4);
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
  });

  it('131056 (pair rate limit) is not hammered: one call, the job is thrown back for later', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'graph-error', code: 131056 }, { recipient: fixture.phoneE164 });
    const error = await sendError(fixture, message.id);
    expect(error.action).toBe('recipient-later');
    expect(fake.sends()).toHaveLength(1);
    expect((await messageRow(fixture, message.id)).status).toBe('pending');
    await send(fixture, message.id);
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
  });

  it('a Graph API that hangs past the timeout leaves the message pending for a retry', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'hang', ms: 1_500 }, { times: 3 });
    const started = Date.now();
    const error = await sendError(fixture, message.id);
    expect(error.action).toBe('retry');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await messageRow(fixture, message.id)).status).toBe('pending');
  });

  it('a malformed answer leaves the message pending for a retry', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'malformed-json' });
    const error = await sendError(fixture, message.id);
    expect(error.action).toBe('retry');
    expect((await messageRow(fixture, message.id)).providerMessageId).toBeNull();
  });
});

describe('the circuit breaker per channel', () => {
  it('opens after consecutive failures and stops calling Meta for that channel only', async () => {
    const broken = await conversation();
    const other = await conversation();
    fake.fail({ kind: 'http-500' }, { times: 100, recipient: broken.phoneE164 });
    const first = await queue(broken);
    // Three calls per job (two in-call retries); the fifth consecutive failure opens the breaker.
    expect((await sendError(broken, first.id)).action).toBe('retry');
    expect((await sendError(broken, first.id)).action).toBe('retry');
    const callsWhenOpen = fake.sends().length;
    expect(callsWhenOpen).toBe(5);
    const second = await queue(broken);
    for (let i = 0; i < 3; i++) expect((await sendError(broken, second.id)).action).toBe('retry');
    expect(fake.sends()).toHaveLength(callsWhenOpen);

    const unaffected = await queue(other);
    await send(other, unaffected.id);
    expect((await messageRow(other, unaffected.id)).status).toBe('accepted');
  });
});

describe('throughput cap per phone number', () => {
  /** What the shared count holds for a number at a rate (rate-limiter-flexible's key: prefix, number). */
  const counted = async (perSecond: number, phoneNumberId: string) => {
    const { rows } = await sql<{ points: number }>`
      select points from rate_limits where key = ${`wa-mps-${perSecond}:${phoneNumberId}`}`.execute(
      database.ownerDb,
    );
    return rows[0]?.points;
  };

  it('takes bulk slots from the shared count an eighth of the bulk share at a time (70 of 80/s: eight per take)', async () => {
    const phoneNumberId = `1555${randomInt(100_000_000, 999_999_999)}`;
    for (let i = 0; i < 8; i++)
      await harness.outbound.throughput.acquire(phoneNumberId, 80, undefined, 'bulk');
    expect(await counted(80, phoneNumberId)).toBe(8);
    await harness.outbound.throughput.acquire(phoneNumberId, 80, undefined, 'bulk');
    expect(await counted(80, phoneNumberId)).toBe(16);
  });

  it('gives a conversational send its one slot, not a lease the window may not hold', async () => {
    const phoneNumberId = `1555${randomInt(100_000_000, 999_999_999)}`;
    await harness.outbound.throughput.acquire(phoneNumberId, 80);
    expect(await counted(80, phoneNumberId)).toBe(1);
  });

  it('lets no more than the rate out in any sliding second, replies ahead of a saturating campaign', async () => {
    const phoneNumberId = `1555${randomInt(100_000_000, 999_999_999)}`;
    const end = Date.now() + 3_000;
    const sent: number[] = [];
    const replyWaits: number[] = [];
    const campaign = async () => {
      while (Date.now() < end) {
        await harness.outbound.throughput.acquire(phoneNumberId, 40, undefined, 'bulk');
        sent.push(Date.now());
      }
    };
    const replies = async () => {
      while (Date.now() < end) {
        const asked = Date.now();
        await harness.outbound.throughput.acquire(phoneNumberId, 40);
        sent.push(Date.now());
        replyWaits.push(Date.now() - asked);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await Promise.all([...Array.from({ length: 8 }, campaign), replies()]);
    sent.sort((a, b) => a - b);
    // A send and the fortieth after it a second apart (less 50 ms for the timer noise of a loaded host);
    // one-second windows alone let a window's forty and the next one's forty out within a few ms.
    expect(sent.length).toBeGreaterThan(80);
    for (let i = 0; i + 40 < sent.length; i++) {
      expect((sent[i + 40] as number) - (sent[i] as number)).toBeGreaterThanOrEqual(950);
    }
    // A reply waits for a pacing slot (25 ms at 40/s), never for the next one-second window.
    expect(Math.max(...replyWaits)).toBeLessThan(500);
  });

  it('still holds the rate when it takes several slots at a time (16/s: forty slots take two seconds)', async () => {
    const phoneNumberId = `1555${randomInt(100_000_000, 999_999_999)}`;
    const times: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      await harness.outbound.throughput.acquire(phoneNumberId, 16);
      times.push(Date.now());
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    // At most sixteen slots per one-second window: a slot and the sixteenth after it are a window apart.
    for (let i = 0; i + 16 < times.length; i++) {
      expect((times[i + 16] as number) - (times[i] as number)).toBeGreaterThanOrEqual(900);
    }
  });

  it('holds a channel at messages_per_second (2/s: six sends take at least two seconds)', async () => {
    const fixture = await conversation({ messagesPerSecond: 2 });
    const messages = [];
    for (let i = 0; i < 6; i++) {
      const extra = await conversation({ channelId: fixture.channelId });
      messages.push({ fixture: extra, message: await queue(extra) });
    }
    const started = Date.now();
    await Promise.all(messages.map(({ fixture: f, message }) => send(f, message.id)));
    const elapsed = Date.now() - started;
    expect(fake.sends()).toHaveLength(6);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(8_000);
    // Counting is in one-second windows of two: any send and the fourth after it are two windows apart,
    // so at least a second apart (less a little for clock granularity between processes).
    const times = fake.sends().map((request) => request.at);
    for (let i = 0; i + 4 < times.length; i++) {
      expect((times[i + 4] as number) - (times[i] as number)).toBeGreaterThanOrEqual(900);
    }
  });
});

describe('metrics', () => {
  it('counts sends by outcome and times Graph calls', async () => {
    const text = await harness.metrics.registry.metrics();
    expect(text).toMatch(/leadline_whatsapp_sends_total\{outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/leadline_whatsapp_sends_total\{outcome="failed"\} [1-9]/);
    expect(text).toMatch(/leadline_graph_api_duration_seconds_count\{operation="send",outcome="ok"\} [1-9]/);
  });
});

describe('POST /api/v1/conversations/{id}/messages', () => {
  let app: FastifyInstance;
  let agent: SignedInMember;
  let fixture: ConversationFixture;

  beforeAll(async () => {
    ({ app } = await buildTestApp({ database, env: { WHATSAPP_GRAPH_API_URL: fake.url } }));
    agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
    fixture = await conversation();
  });

  afterAll(async () => {
    await app?.close();
  });

  const post = (conversationId: string, payload: unknown, headers: Record<string, string> = agent.headers) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers,
      payload: payload as object,
    });

  const countMessages = async (conversationId: string) =>
    withTenant(database.db, tenantId, async (trx) =>
      Number(
        (
          await trx
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('conversationId', '=', conversationId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );

  it('queues an operator’s text (202) and enqueues its send in the conversation’s queue', async () => {
    const response = await post(fixture.conversationId, { type: 'text', text: 'We ship on Monday.' });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toMatchObject({
      conversationId: fixture.conversationId,
      direction: 'outbound',
      author: 'operator',
      authorUserId: agent.userId,
      type: 'text',
      text: 'We ship on Monday.',
      status: 'pending',
    });
    const jobs = await jobsOfTask(database.ownerDb, 'whatsapp.send-message');
    const job = jobs.find(
      (j) => (j.payload as { payload: { messageId: string } }).payload.messageId === body.id,
    );
    expect(job?.queueName).toBe(`wa:${fixture.channelId}:${fixture.phoneE164.slice(1)}`);
  });

  it('answers a repeated Idempotency-Key with the first message (200) and writes nothing new', async () => {
    const headers = { ...agent.headers, 'idempotency-key': `retry-${randomUUID()}` };
    const first = await post(fixture.conversationId, { type: 'text', text: 'Once only' }, headers);
    const before = await countMessages(fixture.conversationId);
    const again = await post(fixture.conversationId, { type: 'text', text: 'Once only' }, headers);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(await countMessages(fixture.conversationId)).toBe(before);
  });

  it('refuses an Idempotency-Key already used on another conversation (409)', async () => {
    const other = await conversation();
    const headers = { ...agent.headers, 'idempotency-key': `shared-${randomUUID()}` };
    expect((await post(fixture.conversationId, { type: 'text', text: 'A' }, headers)).statusCode).toBe(202);
    const clash = await post(other.conversationId, { type: 'text', text: 'B' }, headers);
    expect(clash.statusCode).toBe(409);
    expect(await countMessages(other.conversationId)).toBe(0);
  });

  it('refuses free text outside the 24-hour window with 422 outside_customer_window and writes nothing', async () => {
    const closed = await conversation({ lastInboundAt: new Date(Date.now() - 30 * 3_600_000) });
    const response = await post(closed.conversationId, { type: 'text', text: 'Still there?' });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({ code: 'outside_customer_window' });
    expect(response.json().error.message).toMatch(/template/);
    expect(await countMessages(closed.conversationId)).toBe(0);
  });

  it('accepts a template outside the window', async () => {
    const closed = await conversation({ lastInboundAt: null });
    const response = await post(closed.conversationId, {
      type: 'template',
      template: {
        name: 'follow_up',
        language: 'en_US',
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
      },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ type: 'template', status: 'pending' });
  });

  it('answers 404 for an unknown conversation and for another tenant’s', async () => {
    const otherTenant = await newTenant(database.db);
    const foreign = await createConversation(database.db, config, {
      tenantId: otherTenant,
      accessToken: fake.accessToken,
    });
    expect((await post(randomUUID(), { type: 'text', text: 'Hi' })).statusCode).toBe(404);
    const response = await post(foreign.conversationId, { type: 'text', text: 'Hi' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
    const foreignCount = await withTenant(database.db, otherTenant, (trx) =>
      trx.selectFrom('messages').select('id').execute(),
    );
    expect(foreignCount).toHaveLength(0);
  });

  it.each([
    ['empty text', { type: 'text', text: '' }],
    ['text over 4096 characters', { type: 'text', text: 'x'.repeat(4097) }],
    ['an unknown type', { type: 'image', text: 'x' }],
    ['extra fields', { type: 'text', text: 'x', to: '15550001111' }],
    ['a template without language', { type: 'template', template: { name: 'x' } }],
    ['a NUL character', { type: 'text', text: 'a\u0000b' }],
  ])('rejects %s with 400', async (_name, payload) => {
    const response = await post(fixture.conversationId, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.requestId).toBeTruthy();
  });

  it('rejects a malformed Idempotency-Key with 400', async () => {
    const response = await post(
      fixture.conversationId,
      { type: 'text', text: 'x' },
      { ...agent.headers, 'idempotency-key': 'x'.repeat(191) },
    );
    expect(response.statusCode).toBe(400);
  });

  it('accepts an API key with messages:write (author system) and refuses one with only messages:read', async () => {
    const actor = {
      userId: agent.userId,
      apiKeyId: null,
      context: { requestId: 'test', ip: '127.0.0.1', userAgent: 'vitest' },
    };
    const writer = await createApiKey(database.db, tenantId, actor, {
      name: 'campaigns',
      scopes: ['messages:write'],
      expiresAt: null,
    });
    const reader = await createApiKey(database.db, tenantId, actor, {
      name: 'reports',
      scopes: ['messages:read'],
      expiresAt: null,
    });
    const ok = await post(
      fixture.conversationId,
      { type: 'text', text: 'From the CRM' },
      { authorization: `Bearer ${writer.key}` },
    );
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toMatchObject({ author: 'system', authorUserId: null });
    const refused = await post(
      fixture.conversationId,
      { type: 'text', text: 'Nope' },
      { authorization: `Bearer ${reader.key}` },
    );
    expect(refused.statusCode).toBe(403);
  });

  it('refuses anonymous callers (401)', async () => {
    expect((await post(fixture.conversationId, { type: 'text', text: 'x' }, {})).statusCode).toBe(401);
  });
});

describe('replies the processing job sends itself', () => {
  /** The processing task as src/tasks.ts builds it: the built-in qualifier, replies sent at once. */
  const processing = createProcessInboundTask({
    agent: createQualifier(),
    sendNow: (message, ctx) => sendOutbound(harness.outbound, message, ctx, { dropSendJob: true }),
  });

  /** A customer's message, stored as the webhook stores it, then the conversation's processing job. */
  async function receiveAndProcess(fixture: ConversationFixture) {
    const from = fixture.phoneE164.slice(1);
    const payload = envelope([
      { changes: [change(fixture.phoneNumberId, { messages: [messages.text({ from, body: 'Hello' })] })] },
    ]);
    await storeTenantDeliveries(database.db, fixture.tenantId, [
      {
        channelId: fixture.channelId,
        requestId: 'test',
        body: serialise(payload),
        extracted: extractDelivery(payload, fixture.phoneNumberId),
      },
    ]);
    await processing.handle(
      { channelId: fixture.channelId, conversationKey: from },
      taskContext(database.db, fixture.tenantId),
    );
  }

  async function outboundOf(fixture: ConversationFixture): Promise<Message[]> {
    return withTenant(database.db, fixture.tenantId, (trx) =>
      trx
        .selectFrom('messages')
        .selectAll()
        .where('conversationId', '=', fixture.conversationId)
        .where('direction', '=', 'outbound')
        .orderBy('createdAt')
        .execute(),
    );
  }

  const sendJobsOf = async (rows: readonly Message[]) => {
    const keys = new Set(rows.map((row) => sendJobKey(row.id)));
    return (await jobsOfTask(database.ownerDb, 'whatsapp.send-message')).filter((job) =>
      keys.has(job.key ?? ''),
    );
  };

  /** Jobs ever added (the id sequence), so a job added and removed since still counts. */
  const jobsAdded = async () => {
    const { rows } = await sql<{ n: string }>`
      select last_value::text as n from pg_sequences
      where sequencename = (select split_part(pg_get_serial_sequence('graphile_worker._private_jobs', 'id'), '.', 2))`.execute(
      database.ownerDb,
    );
    return Number(rows[0]?.n);
  };

  it('sends the reply right after its commit, and it never had a send job', async () => {
    const fixture = await conversation();
    const before = await jobsAdded();
    await receiveAndProcess(fixture);
    // Every job added since is still there (the processing job, queued by the ingest, and mark-as-read: the
    // handler ran directly): none was added for the reply and removed after its send.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker._private_jobs where id > ${before}`.execute(
      database.ownerDb,
    );
    expect((await jobsAdded()) - before).toBe(rows[0]?.n);
    const replies = await outboundOf(fixture);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.status).toBe('accepted');
    expect(fake.sends().filter((r) => r.body?.to === fixture.phoneE164.slice(1))).toHaveLength(1);
    expect(await sendJobsOf(replies)).toEqual([]);
  });

  it('gives a reply whose send failed for now a send job, which then sends it once', async () => {
    const fixture = await conversation();
    fake.fail({ kind: 'http-500' }, { times: 3, recipient: fixture.phoneE164 });
    await receiveAndProcess(fixture);
    const [reply] = await outboundOf(fixture);
    expect(reply?.status).toBe('pending');
    const jobs = await sendJobsOf(reply ? [reply] : []);
    expect(jobs.map((job) => job.queueName)).toEqual([
      `wa:${fixture.channelId}:${fixture.phoneE164.slice(1)}`,
    ]);
    await send(fixture, reply?.id ?? '');
    expect((await outboundOf(fixture))[0]?.status).toBe('accepted');
    expect(fake.sends()).toHaveLength(4);
  });

  it('sends, in a later run that answers nothing, a reply a crashed run committed but never sent', async () => {
    const fixture = await conversation();
    // What a crash between the turn's commit and its send leaves: a pending reply with no send job.
    const { message: left } = await withTenant(database.db, fixture.tenantId, (trx) =>
      queueOutboundMessage(trx, {
        conversationId: fixture.conversationId,
        author: 'bot',
        body: { type: 'text', text: 'Left behind' },
        idempotencyKey: `test:${randomUUID()}`,
        requestId: 'test',
        withSendJob: false,
      }),
    );
    // The crashed job's retry, or a newer job of the conversation: attempts restart when a job is replaced.
    await processing.handle(
      { channelId: fixture.channelId, conversationKey: fixture.phoneE164.slice(1) },
      taskContext(database.db, fixture.tenantId),
    );
    expect((await messageRow(fixture, left.id)).status).toBe('accepted');
    expect(fake.sends().map((r) => (r.body?.text as { body: string } | undefined)?.body)).toEqual([
      'Left behind',
    ]);
  });
});

describe('a reply sent at once by the processing job', () => {
  /** The processing job's own send: the rows read in its transaction, then `dropSendJob`. */
  async function sendAtOnce(fixture: ConversationFixture) {
    const pending = await withTenant(database.db, fixture.tenantId, (trx) =>
      findPendingOutbound(trx, fixture.conversationId),
    );
    const context = taskContext(database.db, fixture.tenantId);
    for (const message of pending)
      await sendOutbound(harness.outbound, message, context, { dropSendJob: true });
  }

  const sendJobOf = async (messageId: string) =>
    (await jobsOfTask(database.ownerDb, 'whatsapp.send-message')).find(
      (job) => job.key === sendJobKey(messageId),
    );

  it('drops the standby send job once Meta accepted the reply, so nothing runs again', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    expect(await sendJobOf(message.id)).toBeDefined();
    await sendAtOnce(fixture);
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
    expect(await sendJobOf(message.id)).toBeUndefined();
    expect(fake.sends()).toHaveLength(1);
  });

  it('drops it too when Meta refused the reply for good', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'graph-error', code: 131047 });
    await sendAtOnce(fixture);
    expect((await messageRow(fixture, message.id)).status).toBe('failed');
    expect(await sendJobOf(message.id)).toBeUndefined();
  });

  it('keeps it when the send failed for now, and that job then sends the reply once', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'http-500' }, { times: 3, recipient: fixture.phoneE164 });
    await expect(sendAtOnce(fixture)).rejects.toBeInstanceOf(GraphApiError);
    expect((await messageRow(fixture, message.id)).status).toBe('pending');
    const standby = await sendJobOf(message.id);
    expect(standby?.payload).toMatchObject({ payload: { messageId: message.id } });
    await send(fixture, message.id);
    expect((await messageRow(fixture, message.id)).status).toBe('accepted');
    expect(fake.sends()).toHaveLength(4);
  });
});

describe('through the real worker', () => {
  it('sends a conversation’s queued messages once each, in the order they were written', async () => {
    const fixture = await conversation();
    const texts = ['first', 'second', 'third'];
    const ids: string[] = [];
    for (const text of texts) ids.push((await queue(fixture, { type: 'text', text })).id);
    const pool = createPool({
      connectionString: database.appUrl,
      max: 4,
      applicationName: 'leadline-test-worker',
    });
    const worker = await startWorker({
      pool,
      db: database.db,
      logger: logs.logger,
      tasks: [sendTask],
      concurrency: 2,
      pollIntervalMs: 200,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
    try {
      await waitFor(
        async () => {
          const rows = await Promise.all(ids.map((id) => messageRow(fixture, id)));
          return rows.every((row) => row.status === 'accepted');
        },
        { timeoutMs: 15_000, description: 'all three messages accepted' },
      );
    } finally {
      await worker.stop();
      await pool.end();
    }
    const mine = fake.sends().filter((r) => r.body?.to === fixture.phoneE164.slice(1));
    expect(mine.map((r) => (r.body?.text as { body: string } | undefined)?.body)).toEqual(texts);
  });
});
