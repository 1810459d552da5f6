import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestBatcher } from '../../src/channels/whatsapp/ingest-batcher.js';
import { extractDelivery } from '../../src/channels/whatsapp/webhook-payload.js';
import type { Config } from '../../src/platform/config/config.js';
import { createDb, createPool } from '../../src/platform/db/database.js';
import type { Metrics } from '../../src/platform/metrics/metrics.js';
import { createLimiterStore } from '../../src/platform/rate-limit/limiter-store.js';
import {
  change,
  envelope,
  messages,
  serialise,
  sign,
  signedHeaders,
  status,
  textDelivery,
  wamid,
} from '../fakes/meta-webhook-client.js';
import { buildTestApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { openedRows } from '../support/sealed.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Meta's "Text message" example, verbatim (shared/reference/protocols.md §1, Verbatim A).
const META_TEXT_SAMPLE =
  '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}';
const META_PHONE_NUMBER_ID = '106540352242922';
const APP_SECRET = 'app-secret-0123456789abcdef';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let metrics: Metrics;
let owner: SignedInMember;
let channelId: string;
let verifyToken: string;
let phoneSequence = 0;

interface CreatedChannel {
  id: string;
  verifyToken: string;
  webhookUrl: string;
}

async function createChannel(
  target: FastifyInstance,
  member: SignedInMember,
  overrides: Record<string, unknown> = {},
): Promise<CreatedChannel> {
  phoneSequence++;
  const response = await target.inject({
    method: 'POST',
    url: '/api/v1/whatsapp/channels',
    headers: member.headers,
    payload: {
      name: 'Sales line',
      phoneNumberId: `20000000000${phoneSequence}`,
      displayPhoneNumber: '+1 555 078 3881',
      wabaId: '102290129340398',
      accessToken: 'EAAG-test-access-token',
      appSecret: APP_SECRET,
      ...overrides,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as CreatedChannel;
}

function post(id: string, body: Buffer | string, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: `/webhooks/whatsapp/${id}`, headers, payload: body });
}

function postSigned(id: string, payload: unknown, secret = APP_SECRET) {
  const body = serialise(payload);
  return post(id, body, signedHeaders(secret, body));
}

async function counts(): Promise<{ events: number; inbound: number; statuses: number; jobs: number }> {
  const { rows } = await sql<{ events: number; inbound: number; statuses: number; jobs: number }>`
    select (select count(*)::int from whatsapp_webhook_events) as events,
           (select count(*)::int from whatsapp_inbound) as inbound,
           (select count(*)::int from whatsapp_status_events) as statuses,
           -- Adding a channel queues its proof (prove-channel.task.ts): not a webhook's write.
           (select count(*)::int from graphile_worker._private_jobs j
             where j.task_id not in (select id from graphile_worker._private_tasks
                                     where identifier = 'whatsapp.prove-channel')) as jobs`.execute(
    database.ownerDb,
  );
  return rows[0] as { events: number; inbound: number; statuses: number; jobs: number };
}

/** A customer number not used by any other test, so per-conversation assertions stay independent. */
let customerSequence = 0;
function customer(): string {
  customerSequence++;
  return `4915112${String(customerSequence).padStart(6, '0')}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config, metrics } = await buildTestApp({ database, env: { WEBHOOK_BATCH_WINDOW_MS: '5' } }));
  owner = await signedInMember(database.db, config, {
    tenantId: await newTenant(database.db, 'Tenant A'),
    role: 'owner',
  });
  const channel = await createChannel(app, owner);
  channelId = channel.id;
  verifyToken = channel.verifyToken;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('GET /webhooks/whatsapp/:channelId (subscription check)', () => {
  it('echoes hub.challenge as text/plain for the channel’s verify token', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/webhooks/whatsapp/${channelId}`,
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1158201444' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('1158201444');
  });

  it('answers 403 for a wrong token or mode, or no challenge', async () => {
    const queries: Array<Record<string, string>> = [
      { 'hub.mode': 'subscribe', 'hub.verify_token': `${verifyToken}x`, 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1' },
      { 'hub.verify_token': verifyToken, 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken },
    ];
    for (const query of queries) {
      const response = await app.inject({ method: 'GET', url: `/webhooks/whatsapp/${channelId}`, query });
      expect(response.statusCode, JSON.stringify(query)).toBe(403);
      expect(response.json().error.code).toBe('forbidden');
    }
  });
});

describe('POST /webhooks/whatsapp/:channelId', () => {
  it('refuses every bad signature form with 401 and writes nothing', async () => {
    const before = await counts();
    const { payload } = textDelivery('200000000001', { from: customer(), body: 'hi' });
    const body = serialise(payload);
    const good = sign(APP_SECRET, body);
    const hex = good.slice('sha256='.length);
    const forms: Array<Record<string, string | string[]>> = [
      {},
      { 'x-hub-signature-256': '' },
      { 'x-hub-signature-256': hex },
      { 'x-hub-signature-256': `sha1=${hex}` },
      { 'x-hub-signature-256': `SHA256=${hex}` },
      { 'x-hub-signature-256': `sha256=${hex.toUpperCase()}` },
      { 'x-hub-signature-256': `sha256=${hex.slice(0, 62)}` },
      { 'x-hub-signature-256': `${good}00` },
      { 'x-hub-signature-256': [good, good] },
      { 'x-hub-signature-256': sign('another-secret', body) },
      { 'x-hub-signature': `sha1=${hex.slice(0, 40)}` },
    ];
    for (const form of forms) {
      const response = await app.inject({
        method: 'POST',
        url: `/webhooks/whatsapp/${channelId}`,
        headers: { 'content-type': 'application/json', ...form },
        payload: body,
      });
      expect(response.statusCode, JSON.stringify(form)).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
    // A valid signature of other bytes (one changed byte) is refused too.
    const tampered = Buffer.from(body);
    tampered[tampered.length - 3] = 0x20;
    expect((await post(channelId, tampered, signedHeaders(APP_SECRET, body))).statusCode).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it('stores Meta’s verbatim text sample once, with Meta’s timestamp, and enqueues its processing', async () => {
    const channel = await createChannel(app, owner, { phoneNumberId: META_PHONE_NUMBER_ID });
    const response = await post(
      channel.id,
      META_TEXT_SAMPLE,
      signedHeaders(APP_SECRET, Buffer.from(META_TEXT_SAMPLE)),
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ received: true });

    const { rows: receipts } = await sql<{
      conversationKey: string;
      sentAt: Date;
      message: unknown;
      profile: string;
      body: Buffer;
      tenantId: string;
    }>`
      select i.conversation_key, i.sent_at, i.message, i.profile::text as profile, e.body, e.tenant_id::text
      from whatsapp_inbound i join whatsapp_webhook_events e on e.id = i.event_id
      where i.channel_id = ${channel.id}`.execute(database.ownerDb);
    expect(receipts).toHaveLength(1);
    // The raw body and the receipt's message are stored sealed (ADR 0036), and open to Meta's bytes.
    expect(receipts[0]?.body.toString('utf8')).not.toContain('whatsapp_business_account');
    expect(JSON.stringify(receipts[0]?.message)).not.toContain('another color');
    receipts.splice(0, receipts.length, ...(await openedRows(database.ownerDb, receipts)));
    const [receipt] = receipts;
    expect(receipt?.conversationKey).toBe('16505551234');
    expect(receipt?.sentAt.toISOString()).toBe(new Date(1749416383 * 1000).toISOString());
    expect(JSON.parse(receipt?.message as string)).toEqual(
      JSON.parse(META_TEXT_SAMPLE).entry[0].changes[0].value.messages[0],
    );
    expect(JSON.parse(receipt?.profile ?? 'null')).toEqual({
      profile: { name: 'Sheena Nelson' },
      wa_id: '16505551234',
    });
    expect(receipt?.body.toString('utf8')).toBe(META_TEXT_SAMPLE);

    const { rows: jobs } = await sql<{ taskIdentifier: string; payload: Record<string, unknown> }>`
      select t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      where j.key = ${`wa:${channel.id}:16505551234`}`.execute(database.ownerDb);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.taskIdentifier).toBe('whatsapp.process-inbound');
    // The envelope of platform/jobs/enqueue.ts: the tenant comes from the transaction.
    expect(jobs[0]?.payload).toMatchObject({
      tenantId: owner.tenantId,
      requestId: expect.any(String),
      payload: { channelId: channel.id, conversationKey: '16505551234' },
    });
  });

  it('stores every message of every change of every entry', async () => {
    const [alice, bob, carol] = [customer(), customer(), customer()];
    const phoneNumberId = '200000000001';
    const all = [
      messages.text({ from: alice, body: 'one' }),
      messages.media({ from: alice, kind: 'image', mediaId: '111', mimeType: 'image/jpeg' }),
      messages.buttonReply({ from: bob, buttonId: 'yes', title: 'Yes' }),
      messages.location({ from: bob, latitude: 52.5, longitude: 13.4 }),
      messages.reaction({ from: carol, messageId: wamid(), emoji: '👍' }),
      messages.contacts({ from: carol, name: 'Ann', phone: '+4930123456' }),
    ];
    const payload = envelope([
      {
        changes: [
          change(phoneNumberId, { messages: all.slice(0, 2) }),
          change(phoneNumberId, { messages: all.slice(2, 3) }),
        ],
      },
      { wabaId: '999', changes: [change(phoneNumberId, { messages: all.slice(3) })] },
    ]);
    expect((await postSigned(channelId, payload)).statusCode).toBe(200);
    const { rows } = await sql<{ providerMessageId: string; conversationKey: string }>`
      select provider_message_id, conversation_key from whatsapp_inbound
      where channel_id = ${channelId} and conversation_key in (${alice}, ${bob}, ${carol})`.execute(
      database.ownerDb,
    );
    expect(rows.map((row) => row.providerMessageId).sort()).toEqual(all.map((m) => m.id).sort());
    const { rows: jobs } = await sql<{ key: string }>`
      select key from graphile_worker.jobs where key like ${`wa:${channelId}:%`}
        and key in (${`wa:${channelId}:${alice}`}, ${`wa:${channelId}:${bob}`}, ${`wa:${channelId}:${carol}`})`.execute(
      database.ownerDb,
    );
    expect(jobs).toHaveLength(3);
  });

  it('turns the same delivery sent 10 times into one receipt and one pending job', async () => {
    const from = customer();
    const { payload, message } = textDelivery('200000000001', { from, body: 'again and again' });
    const sequential = await postSigned(channelId, payload);
    expect(sequential.statusCode).toBe(200);
    // Nine more at once: they share batches, so duplicates meet inside one statement too.
    const repeats = await Promise.all(Array.from({ length: 9 }, () => postSigned(channelId, payload)));
    expect(repeats.map((response) => response.statusCode)).toEqual(Array(9).fill(200));
    const { rows } = await sql<{ receipts: number; jobs: number }>`
      select (select count(*)::int from whatsapp_inbound where provider_message_id = ${message.id}) as receipts,
             (select count(*)::int from graphile_worker.jobs
                where key = ${`wa:${channelId}:${from}`} and attempts = 0) as jobs`.execute(database.ownerDb);
    // Raw bodies are sealed (ADR 0036): the events are counted by what they open to.
    const { rows: sealed } = await sql<{ body: Buffer; tenantId: string }>`
      select body, tenant_id::text from whatsapp_webhook_events where channel_id = ${channelId}`.execute(
      database.ownerDb,
    );
    const opened = await openedRows(database.ownerDb, sealed);
    const events = opened.filter((row) => row.body.equals(Buffer.from(serialise(payload)))).length;
    expect({ ...rows[0], events }).toEqual({ receipts: 1, events: 10, jobs: 1 });
  });

  it('stores status callbacks once each and enqueues one apply-statuses job per channel', async () => {
    const sentId = wamid();
    const failedId = wamid();
    const recipient = customer();
    const payload = envelope([
      {
        changes: [
          change('200000000001', {
            statuses: [
              status({ id: sentId, status: 'sent', recipient_id: recipient }),
              status({ id: sentId, status: 'delivered', recipient_id: recipient }),
              status({
                id: failedId,
                status: 'failed',
                recipient_id: recipient,
                errors: [{ code: 131026, title: 'Message undeliverable' }],
              }),
            ],
          }),
        ],
      },
    ]);
    expect((await postSigned(channelId, payload)).statusCode).toBe(200);
    expect((await postSigned(channelId, payload)).statusCode).toBe(200);
    const { rows } = await sql<{ providerMessageId: string; status: string; errors: unknown }>`
      select provider_message_id, status, errors from whatsapp_status_events
      where provider_message_id in (${sentId}, ${failedId})
      order by provider_message_id = ${failedId}, occurred_at, message_status_rank(status)`.execute(
      database.ownerDb,
    );
    expect(rows.map((row) => [row.providerMessageId, row.status])).toEqual([
      [sentId, 'sent'],
      [sentId, 'delivered'],
      [failedId, 'failed'],
    ]);
    expect(rows[2]?.errors).toEqual([{ code: 131026, title: 'Message undeliverable' }]);
    const { rows: jobs } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs
      where key = ${`wa-statuses:${channelId}`} and task_identifier = 'whatsapp.apply-statuses'`.execute(
      database.ownerDb,
    );
    expect(jobs[0]?.n).toBe(1);
  });

  it('answers 200 for items it cannot store alone, keeping them in the raw event and counting them', async () => {
    const before = await counts();
    const payload = envelope([
      {
        changes: [
          change('200000000001', {
            messages: [{ id: wamid(), from: 'not-a-phone', timestamp: '1749416383', type: 'text' }],
          }),
          change('another-phone-number-id', { messages: [messages.text({ from: customer(), body: 'x' })] }),
        ],
      },
    ]);
    const response = await postSigned(channelId, payload);
    expect(response.statusCode).toBe(200);
    const after = await counts();
    expect(after.events).toBe(before.events + 1);
    expect(after.inbound).toBe(before.inbound);
    const skipped = await metrics.registry.getSingleMetric('leadline_webhook_items_skipped_total')?.get();
    expect(skipped?.values[0]?.value).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad bodies after the signature: 413, 400 and 415, writing nothing', async () => {
    const before = await counts();
    const signedPost = (body: Buffer) => post(channelId, body, signedHeaders(APP_SECRET, body));
    const oversized = Buffer.alloc(3 * 1024 * 1024 + 128 * 1024, 0x20);
    expect((await signedPost(oversized)).statusCode).toBe(413);
    const deep = Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect((await signedPost(deep)).statusCode).toBe(400);
    expect((await signedPost(Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]))).statusCode).toBe(
      400,
    );
    expect((await signedPost(Buffer.from('{"object":"whatsapp_business_account","entry":'))).statusCode).toBe(
      400,
    );
    expect((await signedPost(Buffer.from('{"object":"page","entry":[]}'))).statusCode).toBe(400);
    expect((await signedPost(Buffer.from('{"a":"\\u0000"}'))).statusCode).toBe(400);
    const form = Buffer.from('object=whatsapp_business_account');
    const response = await post(channelId, form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-hub-signature-256': sign(APP_SECRET, form),
    });
    expect(response.statusCode).toBe(415);
    for (const bad of [oversized, deep]) {
      const unsigned = await post(channelId, bad, { 'content-type': 'application/json' });
      expect(unsigned.statusCode).toBeLessThan(500);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 404 for unknown, malformed and disabled channels without writing', async () => {
    const before = await counts();
    const { payload } = textDelivery('200000000001', { from: customer(), body: 'hi' });
    expect((await postSigned('5f3e0b1c-0000-4000-8000-000000000000', payload)).statusCode).toBe(404);
    expect((await postSigned('not-a-uuid', payload)).statusCode).toBe(404);
    const disabled = await createChannel(app, owner);
    const off = await app.inject({
      method: 'POST',
      url: `/api/v1/whatsapp/channels/${disabled.id}/disable`,
      headers: owner.headers,
    });
    expect(off.statusCode).toBe(200);
    expect((await postSigned(disabled.id, payload)).statusCode).toBe(404);
    const verify = await app.inject({
      method: 'GET',
      url: `/webhooks/whatsapp/${disabled.id}`,
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': disabled.verifyToken, 'hub.challenge': '1' },
    });
    expect(verify.statusCode).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('accepts the previous app secret during its grace period only', async () => {
    const channel = await createChannel(app, owner);
    const newSecret = 'rotated-app-secret-fedcba9876543210';
    const rotate = await app.inject({
      method: 'PATCH',
      url: `/api/v1/whatsapp/channels/${channel.id}`,
      headers: owner.headers,
      payload: { appSecret: newSecret },
    });
    expect(rotate.statusCode, rotate.body).toBe(200);
    expect(rotate.json().appSecretRotating).toBe(true);
    const delivery = () => textDelivery('x', { from: customer(), body: 'hi' }).payload;
    const forChannel = (payload: ReturnType<typeof delivery>) => {
      payload.entry[0]?.changes.forEach((c) => {
        c.value.metadata.phone_number_id = `20000000000${phoneSequence}`;
      });
      return payload;
    };
    expect((await postSigned(channel.id, forChannel(delivery()), newSecret)).statusCode).toBe(200);
    expect((await postSigned(channel.id, forChannel(delivery()), APP_SECRET)).statusCode).toBe(200);

    // The grace period ends (moved into the past); a change through the API drops the cached entry.
    await sql`update whatsapp_channels set previous_app_secret_expires_at = now() - interval '1 second'
              where id = ${channel.id}`.execute(database.ownerDb);
    const rename = await app.inject({
      method: 'PATCH',
      url: `/api/v1/whatsapp/channels/${channel.id}`,
      headers: owner.headers,
      payload: { name: 'Renamed' },
    });
    expect(rename.json().appSecretRotating).toBe(false);
    expect((await postSigned(channel.id, forChannel(delivery()), APP_SECRET)).statusCode).toBe(401);
    expect((await postSigned(channel.id, forChannel(delivery()), newSecret)).statusCode).toBe(200);
  });

  it('commits concurrent deliveries together: more than one request per transaction', async () => {
    const payloads = Array.from(
      { length: 24 },
      () => textDelivery('200000000001', { from: customer(), body: 'concurrent' }).payload,
    );
    const responses = await Promise.all(payloads.map((payload) => postSigned(channelId, payload)));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(24).fill(200));
    const ids = payloads.map((payload) => payload.entry[0]?.changes[0]?.value.messages?.[0]?.id as string);
    const { rows } = await sql<{ receipts: number; transactions: number }>`
      select count(*)::int as receipts, count(distinct xmin::text)::int as transactions
      from whatsapp_inbound where provider_message_id in (${sql.join(ids)})`.execute(database.ownerDb);
    expect(rows[0]?.receipts).toBe(24);
    expect(rows[0]?.transactions).toBeLessThan(24);
    const exposition = await metrics.registry.metrics();
    const figure = (name: string) => Number(new RegExp(`^${name} ([0-9.]+)$`, 'm').exec(exposition)?.[1]);
    const sum = figure('leadline_webhook_batch_size_sum');
    const count = figure('leadline_webhook_batch_size_count');
    expect(sum / count).toBeGreaterThan(1);
  });
});

describe('IngestBatcher', () => {
  it('commits a batch’s good deliveries when one of them cannot be stored (one by one after the failure)', async () => {
    const batcher = new IngestBatcher(database.db, captureLogger().logger, { windowMs: 20, maxBatch: 10 });
    const delivery = (targetChannel: string) => {
      const { payload, message } = textDelivery('200000000001', { from: customer(), body: 'batched' });
      const body = serialise(payload);
      return {
        message,
        delivery: {
          channelId: targetChannel,
          requestId: 'batch-test',
          body,
          extracted: extractDelivery(payload, '200000000001'),
        },
      };
    };
    const good = [delivery(channelId), delivery(channelId), delivery(channelId)];
    // A channel that does not exist: the foreign key refuses it, and with it the shared transaction.
    const poisoned = delivery('00000000-0000-4000-8000-000000000000');
    const outcomes = await Promise.allSettled([
      ...good.map((item) => batcher.submit(owner.tenantId, item.delivery)),
      batcher.submit(owner.tenantId, poisoned.delivery),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    const ids = [...good, poisoned].map((item) => item.message.id);
    const { rows } = await sql<{ providerMessageId: string }>`
      select provider_message_id from whatsapp_inbound where provider_message_id in (${sql.join(ids)})`.execute(
      database.ownerDb,
    );
    expect(rows.map((row) => row.providerMessageId).sort()).toEqual(
      good.map((item) => item.message.id).sort(),
    );
  });
});

/** A TCP relay to PostgreSQL that the test can cut, as a network outage would. */
async function cuttableRelay(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

describe('when PostgreSQL is unreachable', () => {
  it('answers 503 with Retry-After (Meta retries) instead of acknowledging', async () => {
    const appUrl = new URL(database.appUrl);
    const relay = await cuttableRelay(appUrl);
    const relayed = new URL(database.appUrl);
    relayed.port = String(relay.port);
    const relayedDb = createDb(
      createPool({ connectionString: relayed.toString(), max: 2, applicationName: 'leadline-test-relay' }),
    );
    const limiterPool = createPool({ connectionString: database.appUrl, max: 1, applicationName: 'limits' });
    const limiter = createLimiterStore({ pool: limiterPool, redisUrl: undefined });
    const outage = await buildTestApp({
      database: { ...database, db: relayedDb },
      limiterStore: { create: limiter.create, close: () => limiterPool.end() },
    });
    try {
      const { payload } = textDelivery('200000000001', { from: customer(), body: 'before the outage' });
      const body = serialise(payload);
      const send = () =>
        outage.app.inject({
          method: 'POST',
          url: `/webhooks/whatsapp/${channelId}`,
          headers: signedHeaders(APP_SECRET, body),
          payload: body,
        });
      expect((await send()).statusCode).toBe(200);
      await relay.cut();
      const before = await counts();
      // The channel is still cached: the failure is the commit's, not the lookup's.
      const during = await send();
      expect(during.statusCode, during.body).toBe(503);
      expect(during.headers['retry-after']).toBeDefined();
      expect(during.json().error.code).toBe('service_unavailable');
      // Once the cache entry expires the lookup itself fails the same way.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const lookup = await send();
      expect(lookup.statusCode, lookup.body).toBe(503);
      expect(await counts()).toEqual(before);
    } finally {
      await outage.app.close();
      await relayedDb.destroy().catch(() => {});
    }
  });
});
