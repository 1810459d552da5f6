import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { createProcessInboundTask } from '../../src/channels/whatsapp/process-inbound.task.js';
import { setOwnershipByUser } from '../../src/conversations/ownership.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { defineTask } from '../../src/platform/jobs/task.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { type MessageObject, messages, unixSeconds, wamid } from '../fakes/meta-webhook-client.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import {
  conversationKeyOf,
  deliverMessages,
  processInbound,
  runProcessInbound,
  taskContext,
} from '../support/inbound-pipeline.js';
import { captureLogger } from '../support/log-capture.js';
import { openedRows } from '../support/sealed.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The processing stage end to end: deliveries go through the real webhook (signature, receipts, jobs), the
 * real `whatsapp.process-inbound` handler runs with the real qualifier, and the database is inspected.
 */

const PHONE_NUMBER_ID = '106540352242922';
const APP_SECRET = 'app-secret-processing-0123456789';
const CONTEXT = { requestId: 'processing-test', ip: '127.0.0.1', userAgent: 'vitest' };
const logs = captureLogger();

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let owner: SignedInMember;
let channelId: string;

let phoneSequence = 0;
/** A fresh customer (Italian mobile numbers), so each test has its own conversation. */
function newCustomer(): string {
  phoneSequence++;
  return `39333${String(1_000_000 + phoneSequence).slice(1)}0`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Processing');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Sales line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3881',
      wabaId: '102290129340398',
      accessToken: 'EAAG-processing-token',
      appSecret: APP_SECRET,
      markAsRead: true,
    },
  );
  channelId = created.channel.id;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** Posts one signed delivery to the channel's webhook, as Meta does; 200 means the receipts are stored. */
async function deliver(items: MessageObject[], name = 'Sheena Nelson'): Promise<void> {
  const target = { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET };
  expect(await deliverMessages(target, items, name)).toBe(200);
}

/** Runs the job's handler as the worker would, for the conversation of `from`. */
function runJob(from: string): Promise<void> {
  return runProcessInbound(database.db, tenantId, channelId, from);
}

const at = (seconds: number) => unixSeconds(new Date(Date.UTC(2026, 10, 23, 12, 0, seconds)));

async function conversationOf(from: string) {
  return database.ownerDb
    .selectFrom('conversations')
    .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
    .selectAll('conversations')
    .where('contacts.phoneE164', '=', `+${conversationKeyOf(from)}`)
    .executeTakeFirstOrThrow();
}

async function messagesOf(conversationId: string, direction: 'inbound' | 'outbound') {
  const rows = await database.ownerDb
    .selectFrom('messages')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .where('direction', '=', direction)
    .orderBy('createdAt')
    .orderBy('sentAt')
    .execute();
  return openedRows(database.ownerDb, rows);
}

async function ownershipEvents(conversationId: string) {
  return database.ownerDb
    .selectFrom('conversationOwnershipEvents')
    .select(['fromOwnership', 'toOwnership', 'actorType', 'actorUserId', 'reason'])
    .where('conversationId', '=', conversationId)
    .orderBy('id')
    .execute();
}

async function pendingReceipts(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from whatsapp_inbound where processed_at is null`.execute(database.ownerDb);
  return rows[0]?.n ?? -1;
}

describe('processing a conversation’s receipts (handler run directly)', () => {
  it('stores every message type normalised, with Meta’s time, one contact and one conversation', async () => {
    const from = newCustomer();
    const items = [
      messages.text({ from, body: 'Hello there', timestamp: at(1) }),
      messages.media({ from, kind: 'image', mediaId: 'media-1', mimeType: 'image/jpeg', timestamp: at(2) }),
      messages.buttonReply({ from, buttonId: 'b1', title: 'Yes', timestamp: at(3) }),
      messages.listReply({ from, rowId: 'r1', title: 'Pro', timestamp: at(4) }),
      messages.location({ from, latitude: 45.4, longitude: 9.1, name: 'Office', timestamp: at(5) }),
      messages.contacts({ from, name: 'Ada Lovelace', phone: '+447700900123', timestamp: at(6) }),
      messages.reaction({ from, messageId: 'wamid.x', emoji: '👍', timestamp: at(7) }),
      messages.reaction({ from, messageId: 'wamid.x', timestamp: at(8) }),
      messages.changedNumber({ from, newWaId: '393339999999', timestamp: at(9) }),
      messages.unsupported({ from, timestamp: at(10) }),
    ];
    await deliver(items, 'Ada');
    await runJob(from);

    const conversation = await conversationOf(from);
    const inbound = await messagesOf(conversation.id, 'inbound');
    expect(inbound.map((m) => [m.type, m.author, m.text])).toEqual([
      ['text', 'customer', 'Hello there'],
      ['image', 'customer', 'a caption'],
      ['interactive', 'customer', 'Yes'],
      ['interactive', 'customer', 'Pro'],
      ['location', 'customer', 'Office'],
      ['contacts', 'customer', 'Ada Lovelace'],
      ['reaction', 'customer', null],
      ['reaction', 'customer', null],
      ['system', 'system', `User changed from ${from} to 393339999999`],
      ['unsupported', 'customer', null],
    ]);
    expect(inbound.map((m) => m.providerMessageId)).toEqual(items.map((item) => item.id));
    expect(inbound.map((m) => m.sentAt.getTime() / 1000)).toEqual(
      items.map((item) => Number(item.timestamp)),
    );
    expect(inbound[7]?.content).toMatchObject({ messageId: 'wamid.x', emoji: null, removed: true });
    expect(inbound[9]?.content).toMatchObject({ unsupported: true, raw: { id: items[9]?.id } });

    const contact = await database.ownerDb
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', conversation.contactId)
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ phoneE164: `+${from}`, displayName: 'Ada', waId: from });
    expect(conversation.lastInboundAt?.getTime()).toBe(Number(at(10)) * 1000);
    expect(conversation.lastMessageAt?.getTime()).toBeGreaterThanOrEqual(Number(at(10)) * 1000);

    // The image waits for its download; every customer message is marked read at Meta.
    const media = await database.ownerDb.selectFrom('messageMedia').selectAll().execute();
    expect(media).toEqual([
      expect.objectContaining({
        messageId: inbound[1]?.id,
        providerMediaId: 'media-1',
        mimeType: 'image/jpeg',
        state: 'pending',
      }),
    ]);
    const downloads = await jobsOfTask(database.ownerDb, 'whatsapp.download-media');
    expect(downloads.map((job) => (job.payload as { payload: unknown }).payload)).toEqual([
      { messageId: inbound[1]?.id },
    ]);
    const reads = await jobsOfTask(database.ownerDb, 'whatsapp.mark-read');
    expect(reads).toHaveLength(9);
    expect(await pendingReceipts()).toBe(0);
  });

  it('a delivery repeated 10 times and a job run twice (also concurrently) give one message and one reply', async () => {
    const from = newCustomer();
    const message = messages.text({ from, body: 'Hi, I would like a quote', timestamp: at(20) });
    for (let i = 0; i < 10; i++) await deliver([message]);
    await Promise.all([runJob(from), runJob(from)]);
    await runJob(from);

    const conversation = await conversationOf(from);
    const inbound = await messagesOf(conversation.id, 'inbound');
    expect(inbound).toHaveLength(1);
    const replies = await messagesOf(conversation.id, 'outbound');
    expect(replies.length).toBe(1);
    expect(replies[0]).toMatchObject({
      author: 'bot',
      status: 'pending',
      idempotencyKey: `reply:${inbound[0]?.id}:0`,
    });
    const sends = await jobsOfTask(database.ownerDb, 'whatsapp.send-message');
    expect(
      sends.filter(
        (job) => (job.payload as { payload: { messageId: string } }).payload.messageId === replies[0]?.id,
      ),
    ).toHaveLength(1);
  });

  it('processes receipts in Meta’s timestamp order, not the order they arrived in', async () => {
    const from = newCustomer();
    const third = messages.text({ from, body: 'third', timestamp: at(33) });
    const first = messages.text({ from, body: 'first', timestamp: at(31) });
    const second = messages.text({ from, body: 'second', timestamp: at(32) });
    await deliver([third]);
    await deliver([first, second].reverse());
    await runJob(from);

    const conversation = await conversationOf(from);
    const inbound = await messagesOf(conversation.id, 'inbound');
    // Ordered by when each was stored: processing followed Meta's time.
    expect(inbound.map((m) => m.text)).toEqual(['first', 'second', 'third']);
    expect(conversation.lastInboundAt?.getTime()).toBe(Number(at(33)) * 1000);
  });

  it('puts a Brazilian mobile with and without the 9th digit in one contact and one conversation', async () => {
    await deliver([messages.text({ from: '551187654321', body: 'Oi, bom dia', timestamp: at(40) })], 'João');
    await deliver(
      [messages.text({ from: '5511987654321', body: 'quero um orçamento', timestamp: at(41) })],
      'João',
    );
    await runJob('5511987654321');

    const contacts = await database.ownerDb
      .selectFrom('contacts')
      .selectAll()
      .where('phoneE164', 'like', '+55119%')
      .execute();
    expect(contacts.map((c) => c.phoneE164)).toEqual(['+5511987654321']);
    const conversations = await database.ownerDb
      .selectFrom('conversations')
      .select('id')
      .where('contactId', '=', contacts[0]!.id)
      .execute();
    expect(conversations).toHaveLength(1);
    expect((await messagesOf(conversations[0]!.id, 'inbound')).map((m) => m.text)).toEqual([
      'Oi, bom dia',
      'quero um orçamento',
    ]);
  });
});

describe('where the agent’s turn runs', () => {
  /** The real qualifier, reporting whether the turn's own message was already committed when it ran. */
  function observingQualifier(answersAtOnce: boolean, seen: boolean[]): Agent {
    const qualifier = createQualifier();
    return {
      answersAtOnce: () => answersAtOnce,
      async respond(input) {
        // Another connection sees only what is committed.
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from messages where conversation_id = ${input.conversationId}`.execute(
          database.ownerDb,
        );
        seen.push((rows[0]?.n ?? 0) > 0);
        return qualifier.respond(input);
      },
    };
  }

  it('an agent without I/O (the built-in qualifier) answers inside the message’s own transaction', async () => {
    const seen: boolean[] = [];
    const from = newCustomer();
    await deliver([messages.text({ from, body: 'Hello' })]);
    const task = createProcessInboundTask({ agent: observingQualifier(true, seen) });
    await task.handle(
      { channelId, conversationKey: conversationKeyOf(from) },
      taskContext(database.db, tenantId),
    );
    expect(seen).toEqual([false]);
    const conversation = await conversationOf(from);
    expect(await messagesOf(conversation.id, 'outbound')).toHaveLength(1);
    expect(await pendingReceipts()).toBe(0);
  });

  it('stores each answer on the contact in the turn it is given: the e-mail needs no "yes"', async () => {
    const from = newCustomer();
    const profileAfter: Record<string, unknown>[] = [];
    for (const [second, body] of [
      'Ciao',
      'Giulia',
      'Bianchi',
      'libero professionista',
      'giulia@bianchi.it',
    ].entries()) {
      await deliver([messages.text({ from, body, timestamp: at(second) })]);
      await runJob(from);
      profileAfter.push(
        await database.ownerDb
          .selectFrom('contacts')
          .select(['firstName', 'lastName', 'company', 'companyNone', 'email', 'profileCompletedAt'])
          .where('phoneE164', '=', `+${conversationKeyOf(from)}`)
          .executeTakeFirstOrThrow(),
      );
    }
    expect(profileAfter[1]).toMatchObject({ firstName: 'Giulia', lastName: null });
    expect(profileAfter[3]).toMatchObject({
      lastName: 'Bianchi',
      company: null,
      companyNone: true,
      email: null,
    });
    expect(profileAfter[4]).toMatchObject({
      email: 'giulia@bianchi.it',
      profileCompletedAt: expect.any(Date),
    });
    const conversation = await conversationOf(from);
    expect(conversation.language).toBe('it');
    const replies = await messagesOf(conversation.id, 'outbound');
    expect(replies.at(-1)?.text).toBe('Grazie! Una persona del nostro team ti ricontatterà a breve.');
  });

  it('any other agent runs after the message is committed, holding no transaction', async () => {
    const seen: boolean[] = [];
    const from = newCustomer();
    await deliver([messages.text({ from, body: 'Hello' })]);
    const task = createProcessInboundTask({ agent: observingQualifier(false, seen) });
    await task.handle(
      { channelId, conversationKey: conversationKeyOf(from) },
      taskContext(database.db, tenantId),
    );
    expect(seen).toEqual([true]);
    const conversation = await conversationOf(from);
    expect(await messagesOf(conversation.id, 'outbound')).toHaveLength(1);
    expect(await pendingReceipts()).toBe(0);
  });
});

describe('who answers: the ownership state machine in processing', () => {
  it.each([
    ['I want to talk to an operator', 'en'],
    ['vorrei parlare con un umano', 'it'],
    ['quero falar com um atendente', 'pt'],
  ])(
    'a customer asking for a person (%s) hands over; later messages get no automatic reply',
    async (text) => {
      const from = newCustomer();
      await deliver([messages.text({ from, body: text, timestamp: at(50) })]);
      await runJob(from);
      const conversation = await conversationOf(from);
      expect(conversation.ownership).toBe('human');
      expect(await ownershipEvents(conversation.id)).toEqual([
        {
          fromOwnership: 'bot',
          toOwnership: 'human',
          actorType: 'customer',
          actorUserId: null,
          reason: 'customer asked for a person',
        },
      ]);
      const repliesAtHandover = (await messagesOf(conversation.id, 'outbound')).length;

      await deliver([messages.text({ from, body: 'hello? anyone?', timestamp: at(51) })]);
      await runJob(from);
      expect(await messagesOf(conversation.id, 'inbound')).toHaveLength(2);
      expect(await messagesOf(conversation.id, 'outbound')).toHaveLength(repliesAtHandover);
    },
  );

  it('an operator’s takeover suppresses replies; handing back to the bot resumes them; each change is recorded', async () => {
    const from = newCustomer();
    await deliver([messages.text({ from, body: 'Hello', timestamp: at(60) })]);
    await runJob(from);
    const conversation = await conversationOf(from);
    const afterFirst = (await messagesOf(conversation.id, 'outbound')).length;
    expect(afterFirst).toBeGreaterThan(0);

    await setOwnershipByUser(database.db, tenantId, {
      conversationId: conversation.id,
      userId: owner.userId,
      target: { to: 'human' },
    });
    await deliver([messages.text({ from, body: 'My name is Ada Lovelace', timestamp: at(61) })]);
    await runJob(from);
    expect(await messagesOf(conversation.id, 'outbound')).toHaveLength(afterFirst);
    // Nothing is sent, but what the customer stated outright is on the contact for the operator.
    const contact = await database.ownerDb
      .selectFrom('contacts')
      .select(['firstName', 'lastName'])
      .where('id', '=', conversation.contactId)
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ firstName: 'Ada', lastName: 'Lovelace' });

    await setOwnershipByUser(database.db, tenantId, {
      conversationId: conversation.id,
      userId: owner.userId,
      target: { to: 'bot' },
      reason: 'back to qualification',
    });
    await deliver([messages.text({ from, body: 'Ada Lovelace', timestamp: at(62) })]);
    await runJob(from);
    expect((await messagesOf(conversation.id, 'outbound')).length).toBeGreaterThan(afterFirst);
    expect(await ownershipEvents(conversation.id)).toEqual([
      {
        fromOwnership: 'bot',
        toOwnership: 'human',
        actorType: 'user',
        actorUserId: owner.userId,
        reason: 'operator took over',
      },
      {
        fromOwnership: 'human',
        toOwnership: 'bot',
        actorType: 'user',
        actorUserId: owner.userId,
        reason: 'back to qualification',
      },
    ]);
  });

  it('a pause suppresses replies until it ends; the next message after its end resumes the bot', async () => {
    const from = newCustomer();
    await deliver([messages.text({ from, body: 'Hello', timestamp: at(70) })]);
    await runJob(from);
    const conversation = await conversationOf(from);
    const afterFirst = (await messagesOf(conversation.id, 'outbound')).length;

    await setOwnershipByUser(database.db, tenantId, {
      conversationId: conversation.id,
      userId: owner.userId,
      target: { to: 'paused', until: new Date(Date.now() + 3_600_000) },
    });
    await deliver([messages.text({ from, body: 'Ada Lovelace', timestamp: at(71) })]);
    await runJob(from);
    expect(await messagesOf(conversation.id, 'outbound')).toHaveLength(afterFirst);
    expect((await conversationOf(from)).ownership).toBe('paused');

    // The hour passes.
    await database.ownerDb
      .updateTable('conversations')
      .set({ pausedUntil: new Date(Date.now() - 1_000) })
      .where('id', '=', conversation.id)
      .execute();
    await deliver([messages.text({ from, body: 'Ada Lovelace', timestamp: at(72) })]);
    await runJob(from);
    const resumed = await conversationOf(from);
    expect(resumed).toMatchObject({ ownership: 'bot', pausedUntil: null });
    expect((await messagesOf(conversation.id, 'outbound')).length).toBeGreaterThan(afterFirst);
    expect(
      (await ownershipEvents(conversation.id)).map((e) => [e.toOwnership, e.actorType, e.reason]),
    ).toEqual([
      ['paused', 'user', 'operator paused the bot'],
      ['bot', 'system', 'pause ended'],
    ]);
  });
});

describe('who answers: a pause and a customer asking for a person', () => {
  it('during a pause, a customer asking for a person hands over without a reply; the bot does not come back', async () => {
    const from = newCustomer();
    await deliver([messages.text({ from, body: 'Hello', timestamp: at(80) })]);
    await runJob(from);
    const conversation = await conversationOf(from);
    const afterFirst = (await messagesOf(conversation.id, 'outbound')).length;
    await setOwnershipByUser(database.db, tenantId, {
      conversationId: conversation.id,
      userId: owner.userId,
      target: { to: 'paused', until: new Date(Date.now() + 3_600_000) },
    });
    await deliver([messages.text({ from, body: 'operatore per favore', timestamp: at(81) })]);
    await runJob(from);
    expect(await conversationOf(from)).toMatchObject({ ownership: 'human', pausedUntil: null });
    expect(await messagesOf(conversation.id, 'outbound')).toHaveLength(afterFirst);
    expect((await ownershipEvents(conversation.id)).at(-1)).toEqual({
      fromOwnership: 'paused',
      toOwnership: 'human',
      actorType: 'customer',
      actorUserId: null,
      reason: 'customer asked for a person',
    });
  });
});

describe('FIFO per conversation under a concurrent worker', () => {
  const CONVERSATIONS = 6;
  const WAVES = 5;
  const PER_WAVE = 3;
  const runs: Array<{ key: string; start: number; end: number }> = [];
  let running = 0;
  let maxRunning = 0;
  let workerPool: pg.Pool;
  let worker: RunningWorker;

  beforeAll(async () => {
    // The real handler, timed: the instrumentation only records when each run starts and ends.
    const timed = defineTask({
      ...processInbound,
      async handle(payload, ctx) {
        const start = performance.now();
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          // Long enough that jobs of other conversations overlap with this one.
          await sleep(20);
          await processInbound.handle(payload, ctx);
        } finally {
          running--;
          runs.push({ key: payload.conversationKey, start, end: performance.now() });
        }
      },
    });
    workerPool = createPool({
      connectionString: database.appUrl,
      max: 6,
      applicationName: 'processing-test-worker',
    });
    worker = await startWorker({
      pool: workerPool,
      db: database.db,
      logger: logs.logger,
      tasks: [timed],
      concurrency: 4,
      pollIntervalMs: 200,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await workerPool?.end();
  });

  it('handles each conversation’s messages in Meta’s order, never two jobs of one conversation at once', async () => {
    const customers = Array.from({ length: CONVERSATIONS }, () => newCustomer());
    for (let wave = 0; wave < WAVES; wave++) {
      await Promise.all(
        customers.map((from) => {
          // Within a delivery, Meta's order is scrambled; waves are later in time than the previous ones.
          const items = Array.from({ length: PER_WAVE }, (_, i) =>
            messages.text({
              from,
              id: wamid(),
              body: `m${wave * PER_WAVE + i}`,
              timestamp: at(100 + wave * PER_WAVE + i),
            }),
          );
          return deliver([items[2]!, items[0]!, items[1]!]);
        }),
      );
      await sleep(30);
    }
    await waitFor(async () => (await pendingReceipts()) === 0 || undefined, {
      timeoutMs: 60_000,
      description: 'all receipts processed',
    });
    await waitFor(
      async () => (await jobsOfTask(database.ownerDb, 'whatsapp.process-inbound')).length === 0 || undefined,
      {
        timeoutMs: 30_000,
        description: 'no process-inbound job left',
      },
    );

    for (const from of customers) {
      const conversation = await conversationOf(from);
      const inbound = await messagesOf(conversation.id, 'inbound');
      expect(inbound.map((m) => m.text)).toEqual(Array.from({ length: WAVES * PER_WAVE }, (_, i) => `m${i}`));

      const own = runs.filter((run) => run.key === conversationKeyOf(from)).sort((a, b) => a.start - b.start);
      expect(own.length).toBeGreaterThan(0);
      for (let i = 1; i < own.length; i++) {
        expect(own[i]!.start, `runs of ${from} overlap`).toBeGreaterThanOrEqual(own[i - 1]!.end);
      }
    }
    // The worker did run conversations side by side: the serialisation above is per conversation only.
    expect(maxRunning).toBeGreaterThan(1);
  });
});
