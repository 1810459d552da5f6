import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTwilio, syncNumbers } from '../../src/channels/twilio/connection.service.js';
import { createTwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { serialise, signedHeaders, textDelivery, wamid } from '../fakes/meta-webhook-client.js';
import { type FakeAccount, type FakeTwilio, inboundSmsRequest, startFakeTwilio } from '../fakes/twilio.js';
import {
  delay,
  getJson,
  type LeadlineProcess,
  pollUntil,
  startLeadline,
} from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../support/config.js';
import { freePort } from '../support/free-port.js';
import { openedRows } from '../support/sealed.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Thousands of signed webhooks while the API and the worker are SIGKILLed over and over, then a drain:
 * every delivery answered 200 must be stored, and every reply written to the send ledger must have
 * reached the fake Graph API exactly once, worker kills between Meta's acceptance and the save included:
 * the fake sends Meta's `sent` status webhooks echoing each send's biz_opaque_callback_data, which is how
 * a send in doubt is recognised (ADR 0018). Bounded in count (CRASH_MESSAGES) and time (CRASH_SECONDS).
 *
 * Inbound SMS (Twilio's signed form posts, retried with the same I-Twilio-Idempotency-Token until
 * answered 200) are interleaved with the WhatsApp deliveries in the same chaos: every acknowledged
 * MessageSid is stored once and processed, and every SMS reply reaches the fake Twilio's Messages.json
 * once; the fake sends each message's `sent` status callback, which settles an SMS send in doubt.
 */
const MESSAGES = Number(process.env.CRASH_MESSAGES ?? 2_000);
const SMS_MESSAGES = Number(process.env.CRASH_SMS_MESSAGES ?? 300);
const CUSTOMERS = 60;
const SMS_CUSTOMERS = 30;
/** Twilio numbers the SMS arrive on: each sends one message a second (smsAdapter), so ten share the load. */
const SMS_NUMBERS = Array.from({ length: 10 }, (_, index) => `+3902000000${String(index).padStart(2, '0')}`);
const SENDERS = 12;
const CHAOS_SECONDS = Number(process.env.CRASH_SECONDS ?? 45);
const DRAIN_MS = 180_000;
const APP_SECRET = 'crash-test-app-secret';
/** Long enough for a status webhook to get through an API restart; short enough for the drain. */
const IN_DOUBT_WAIT_SECONDS = 20;
/** Kills of the API and the worker, alternately, that a run must have made to count. */
const MIN_KILLS = 6;
const PHONE_NUMBER_ID = '106540352242922';

let database: TestDatabase;
let graph: FakeGraphApi;
let twilio: FakeTwilio;
let twilioAccount: FakeAccount;
let tenantId: string;
let channelId: string;
let dataDir: string;
const children: LeadlineProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  graph = await startFakeGraphApi();
  twilio = await startFakeTwilio();
  twilioAccount = twilio.addAccount({
    numbers: SMS_NUMBERS.map((phoneNumber, index) => ({
      sid: `PN${String(index).padStart(32, '0')}`,
      phoneNumber,
      voice: false,
      sms: true,
    })),
  });
  tenantId = (await createTenant(database.db, { name: 'Crash Tenant' })).id;
  const { channel } = await createChannel(
    database.db,
    testConfig(),
    tenantId,
    {
      userId: null,
      apiKeyId: null,
      context: { requestId: 'crash-setup', ip: '127.0.0.1', userAgent: 'vitest' },
    },
    {
      name: 'Crash line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3881',
      wabaId: '102290129340398',
      accessToken: graph.accessToken,
      appSecret: APP_SECRET,
      markAsRead: false,
    },
  );
  channelId = channel.id;
  // The workspace's Twilio account and its SMS numbers, checked against the fake as in production.
  const twilioConfig = testConfig({
    TWILIO_API_URL: twilio.url,
    OUTBOUND_ALLOW_PRIVATE_HOSTS: twilio.hostPort,
  });
  const runtime = createTwilioRuntime({ config: twilioConfig, db: database.db });
  try {
    await connectTwilio(
      database.db,
      twilioConfig,
      runtime.rest,
      tenantId,
      {
        userId: null,
        apiKeyId: null,
        context: { requestId: 'crash-setup', ip: '127.0.0.1', userAgent: 'vitest' },
      },
      { accountSid: twilioAccount.accountSid, authToken: twilioAccount.authToken },
    );
    await syncNumbers(database.db, twilioConfig, runtime.rest, tenantId);
  } finally {
    await runtime.close();
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'leadline-crash-'));
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  await graph?.close();
  await twilio?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function environment(port: number, metricsPort: number): Record<string, string> {
  return {
    NODE_ENV: 'test',
    // Twilio signs over the public URL it posts to.
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SECRET_KEY: TEST_SECRET_KEY,
    DATA_DIR: dataDir,
    DATABASE_URL: database.ownerUrl,
    DATABASE_APP_URL: database.appUrl,
    DATABASE_POOL_SIZE: '6',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '4',
    WORKER_POLL_INTERVAL_MS: '500',
    // A killed worker's jobs are unlocked by the next worker's sweeper after this long.
    WORKER_STALE_AFTER_SECONDS: '3',
    RATE_LIMIT_WEBHOOK_PER_MINUTE: '1000000',
    WHATSAPP_GRAPH_API_URL: graph.url,
    WHATSAPP_IN_DOUBT_WAIT_SECONDS: String(IN_DOUBT_WAIT_SECONDS),
    SMS_IN_DOUBT_WAIT_SECONDS: String(IN_DOUBT_WAIT_SECONDS),
    TWILIO_API_URL: twilio.url,
    OUTBOUND_ALLOW_PRIVATE_HOSTS: `${graph.hostPort},${twilio.hostPort}`,
  };
}

interface Role {
  name: 'api' | 'worker';
  args: string[];
  current?: LeadlineProcess;
}

async function launch(role: Role, env: Record<string, string>): Promise<void> {
  const child = startLeadline(role.args, env, dataDir);
  children.push(child);
  role.current = child;
}

/** Generous: on a loaded machine (CI, a shared one) tsx compiles the whole app at every start. */
async function waitUntilReady(port: number): Promise<void> {
  await pollUntil(`API on :${port} ready`, 120_000, async () => {
    const ready = await getJson(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    return ready?.status === 200 ? true : undefined;
  });
}

/** One webhook as its provider posts it again and again until answered 200 (same body, same headers). */
interface Delivery {
  kind: 'whatsapp' | 'sms';
  /** Meta's wamid or Twilio's MessageSid. */
  id: string;
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

describe('WhatsApp and SMS pipelines under repeated SIGKILL', () => {
  it('loses no acknowledged message and sends every ledger reply exactly once', async () => {
    const port = await freePort();
    const env = environment(port, await freePort());
    const api: Role = { name: 'api', args: ['serve', '--no-worker'] };
    const worker: Role = { name: 'worker', args: ['worker'] };
    // The worker gets its own metrics port: both processes may run at once.
    await launch(api, env);
    await launch(worker, { ...env, METRICS_PORT: String(await freePort()) });
    await waitUntilReady(port).catch((error: unknown) => {
      // Why the first start failed (a slow machine, or a process that exited).
      console.log(`test:crash API stderr: ${api.current?.stderr().slice(-4_000)}`);
      throw error;
    });

    const url = `http://127.0.0.1:${port}/webhooks/whatsapp/${channelId}`;
    // Like Meta: every accepted send is followed by its `sent` status webhook, redelivered until a 200.
    graph.deliverStatuses({ url, appSecret: APP_SECRET });
    // Like Twilio: every accepted SMS is followed by its `sent` status callback, retried until a 2xx.
    twilio.deliverMessageStatuses(true);
    const smsUrl = `http://127.0.0.1:${port}/webhooks/twilio/${tenantId}/sms`;
    const start = Math.floor(Date.now() / 1000) - 3_600;
    const whatsappOutbox = Array.from({ length: MESSAGES }, (_, index): Delivery => {
      const customer = 15_550_100_000 + (index % CUSTOMERS);
      const delivery = textDelivery(PHONE_NUMBER_ID, {
        from: String(customer),
        id: wamid(),
        // Meta's timestamps: increasing per customer, so the expected order is known.
        timestamp: String(start + index),
        body: `hello ${index}`,
        name: `Customer ${index % CUSTOMERS}`,
      });
      const body = serialise(delivery.payload);
      return {
        kind: 'whatsapp',
        id: delivery.message.id,
        url,
        headers: signedHeaders(APP_SECRET, body),
        body,
      };
    });
    const smsOutbox = Array.from({ length: SMS_MESSAGES }, (_, index): Delivery => {
      const customer = index % SMS_CUSTOMERS;
      const request = inboundSmsRequest(twilioAccount, smsUrl, {
        from: `+1555020${String(customer).padStart(4, '0')}`,
        to: SMS_NUMBERS[customer % SMS_NUMBERS.length] ?? '',
        body: `hello by SMS ${index}`,
      });
      return {
        kind: 'sms',
        id: request.messageSid,
        url: smsUrl,
        headers: request.headers,
        body: request.body,
      };
    });
    // Both channels' first deliveries interleaved evenly over the chaos period.
    const outbox = [
      ...whatsappOutbox.map((delivery, index) => ({ delivery, at: index / MESSAGES })),
      ...smsOutbox.map((delivery, index) => ({ delivery, at: (index + 0.5) / SMS_MESSAGES })),
    ]
      .sort((a, b) => a.at - b.at)
      .map(({ delivery }) => delivery);
    const TOTAL = outbox.length;
    const acked = new Set<string>();
    let posts = 0;
    let refused = 0;
    // First deliveries are spread evenly over the chaos period, so kills land while messages arrive and
    // while they are processed; redeliveries go out as soon as a sender is free.
    const spacingMs = (CHAOS_SECONDS * 1_000) / TOTAL;
    const sendStart = Date.now();
    let nextFirst = 0;
    const queue: typeof outbox = [];
    // The chaos may run up to two minutes longer to reach MIN_KILLS on a loaded machine.
    const deadline = Date.now() + CHAOS_SECONDS * 1_000 + 210_000;

    const sender = async () => {
      while (Date.now() < deadline) {
        let next = queue.shift();
        if (!next && nextFirst < TOTAL) {
          const index = nextFirst++;
          const wait = sendStart + index * spacingMs - Date.now();
          if (wait > 0) await delay(wait);
          next = outbox[index];
        }
        if (!next) {
          if (acked.size >= TOTAL) return;
          await delay(50);
          continue;
        }
        posts++;
        const status = await fetch(next.url, { method: 'POST', headers: next.headers, body: next.body })
          .then(async (response) => {
            await response.arrayBuffer();
            return response.status;
          })
          .catch(() => 0);
        if (status === 200) {
          acked.add(next.id);
          // Meta redelivers now and then even after a 200: one in ten goes round again.
          if (posts % 10 === 0) queue.push(next);
        } else {
          // Like Meta: not acknowledged, so delivered again a little later.
          refused++;
          queue.push(next);
          await delay(100);
        }
      }
    };

    let kills = 0;
    const workerKillTimes: number[] = [];
    let chaosRunning = true;
    const chaos = async () => {
      const chaosEnd = Date.now() + CHAOS_SECONDS * 1_000;
      // On a loaded machine restarts are slow: the chaos goes on (bounded) until it has killed enough.
      const hardEnd = chaosEnd + 120_000;
      let victim = 0;
      while (Date.now() < hardEnd && ((chaosRunning && Date.now() < chaosEnd) || kills < MIN_KILLS)) {
        await delay(1_500 + Math.random() * 2_500);
        const role = victim++ % 2 === 0 ? api : worker;
        if (role === worker) workerKillTimes.push(Date.now());
        await role.current?.kill();
        kills++;
        await launch(role, role === worker ? { ...env, METRICS_PORT: String(await freePort()) } : env);
        if (role === api) await waitUntilReady(port).catch(() => undefined);
      }
    };

    const chaosDone = chaos();
    await Promise.all(Array.from({ length: SENDERS }, sender));
    chaosRunning = false;
    await chaosDone;
    if (acked.size < TOTAL) {
      // A machine too loaded to restart the API fast enough shows here, before any pipeline check.
      console.log(`test:crash ${JSON.stringify({ acked: acked.size, of: TOTAL, posts, refused, kills })}`);
    }
    expect(acked.size, 'every delivery was eventually acknowledged').toBe(TOTAL);

    // Drain: both processes up, nothing left to process or send.
    await waitUntilReady(port);
    const owner = database.ownerDb;
    const drained = await pollUntil(
      'the pipeline to drain',
      DRAIN_MS,
      async () => {
        const { rows } = await sql<{ unprocessed: string; unsent: string; jobs: string }>`
        select (select count(*) from whatsapp_inbound where processed_at is null)
                 + (select count(*) from sms_inbound where processed_at is null) as unprocessed,
               (select count(*) from messages where direction = 'outbound' and status = 'pending') as unsent,
               (select count(*) from graphile_worker._private_jobs j
                 join graphile_worker._private_tasks t on t.id = j.task_id
                 -- The statuses job looks again for a while at callbacks it cannot match yet: not a send.
                 where j.attempts < j.max_attempts
                   and t.identifier not in ('whatsapp.apply-statuses', 'sms.apply-statuses')) as jobs`.execute(
          owner,
        );
        const row = rows[0];
        return row && Number(row.unprocessed) === 0 && Number(row.unsent) === 0 && Number(row.jobs) === 0
          ? row
          : undefined;
      },
      500,
    ).catch(async (error: unknown) => {
      // What was left, to tell a slow machine from a stuck pipeline.
      const left = await sql`
        select t.identifier, count(*)::int as jobs, max(j.attempts) as attempts, min(j.run_at) as next_run,
               max(j.last_error) as last_error
        from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        group by 1`.execute(owner);
      const pending = await sql`
        select count(*)::int as pending, count(send_started_at)::int as marked
        from messages where direction = 'outbound' and status = 'pending'`.execute(owner);
      console.log(`test:crash left ${JSON.stringify({ jobs: left.rows, pending: pending.rows })}`);
      throw error;
    });

    const stored = await owner.selectFrom('whatsappInbound').select('providerMessageId').execute();
    const storedSms = await owner.selectFrom('smsInbound').select('messageSid').execute();
    const storedIds = new Set([
      ...stored.map((row) => row.providerMessageId),
      ...storedSms.map((row) => row.messageSid),
    ]);
    const lostAcked = [...acked].filter((id) => !storedIds.has(id));
    const counts = await sql<{ inbound: string; outbound: string; accepted: string; failed: string }>`
      select count(*) filter (where direction = 'inbound') as inbound,
             count(*) filter (where direction = 'outbound') as outbound,
             count(*) filter (where direction = 'outbound' and provider_message_id is not null) as accepted,
             count(*) filter (where direction = 'outbound' and status = 'failed') as failed
      from messages`.execute(owner);
    const { rows: withoutReply } = await sql<{ count: string }>`
      select count(*) from messages m
      where m.direction = 'inbound' and not exists (
        select from messages r where r.idempotency_key like 'reply:' || m.id || ':%')`.execute(owner);
    const row = counts.rows[0];
    const fakeSends = graph.sends().length + twilio.messages.length;
    const accepted = Number(row?.accepted);
    const summary = {
      messages: MESSAGES,
      smsMessages: SMS_MESSAGES,
      posts,
      refusedOrDropped: refused,
      acked: acked.size,
      stored: storedIds.size,
      storedSms: storedSms.length,
      lostAcked: lostAcked.length,
      inboundMessages: Number(row?.inbound),
      inboundWithoutReply: Number(withoutReply[0]?.count),
      repliesInLedger: Number(row?.outbound),
      repliesAccepted: accepted,
      repliesFailed: Number(row?.failed),
      sendsAtFakeGraph: graph.sends().length,
      smsAtFakeTwilio: twilio.messages.length,
      duplicateSends: 0,
      duplicatesAtAWorkerKill: 0,
      statusWebhooksDelivered: graph.statusesDelivered(),
      smsStatusCallbacksDelivered: twilio.messageStatusesDelivered(),
      kills,
      workerKills: workerKillTimes.length,
      drained: Boolean(drained),
    };
    // Every ledger reply reaches the fake Graph API once: a send whose answer a worker kill lost is not
    // repeated before Meta's status webhook (echoing its row id) had its chance to name it (ADR 0018).
    // Duplicates are counted per recipient and text, and those whose first copy reached the fake within a
    // moment before a worker was killed are shown apart.
    // Texts are sealed at rest (ADR 0036): each row is read, opened with its workspace's keys, then counted.
    const ledger = await sql<{ tenantId: string; kind: string; to: string; text: string }>`
      select m.tenant_id, c.channel_kind as kind,
             case when c.channel_kind = 'sms' then substr(ct.phone_e164, 2)
                  else coalesce(ct.wa_id, substr(ct.phone_e164, 2)) end as to,
             m.text
      from messages m join conversations c on c.id = m.conversation_id join contacts ct on ct.id = c.contact_id
      where m.direction = 'outbound'`.execute(owner);
    const sendKey = (kind: string, to: string, text: string) =>
      `${kind}\u0000${to.replace(/^\+/, '')}\u0000${text}`;
    const expected = new Map<string, number>();
    for (const row of await openedRows(owner, ledger.rows)) {
      const key = sendKey(row.kind, row.to, row.text);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const arrivals = new Map<string, number[]>();
    const arrived = (key: string, at: number) => arrivals.set(key, [...(arrivals.get(key) ?? []), at]);
    for (const send of graph.sends()) {
      const body = send.body as { to?: string; text?: { body?: string } } | undefined;
      arrived(sendKey('whatsapp', String(body?.to ?? ''), body?.text?.body ?? ''), send.at);
    }
    for (const message of twilio.messages) {
      arrived(sendKey('sms', message.to, message.body), performance.timeOrigin + message.createdAt);
    }
    const duplicated: string[] = [];
    for (const [key, times] of arrivals) {
      const extra = times.length - (expected.get(key) ?? 0);
      if (extra <= 0) continue;
      summary.duplicateSends += extra;
      duplicated.push(key.replaceAll('\u0000', ' / '));
      const atKill = times.some((at) =>
        workerKillTimes.some((killedAt) => killedAt >= at && killedAt - at < 1_000),
      );
      if (atKill) summary.duplicatesAtAWorkerKill += extra;
    }
    console.log(`test:crash ${JSON.stringify(summary)}`);
    console.log(
      `test:crash duplicate sends: ${summary.duplicateSends}, acknowledged messages lost: ${summary.lostAcked}`,
    );

    expect(lostAcked).toEqual([]);
    expect(summary.inboundMessages).toBe(TOTAL);
    expect(summary.storedSms).toBe(SMS_MESSAGES);
    expect(summary.inboundWithoutReply).toBe(0);
    expect(summary.repliesFailed).toBe(0);
    expect(accepted).toBe(summary.repliesInLedger);
    expect(fakeSends).toBe(summary.repliesInLedger);
    expect(duplicated, 'replies that reached the customer more than once').toEqual([]);
    expect(summary.duplicateSends).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
  }, 600_000);
});
