import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { smsApplyStatusesTaskDefinition } from '../../src/channels/twilio/sms-apply-statuses.task.js';
import { createSmsProcessInboundTask } from '../../src/channels/twilio/sms-process.task.js';
import { createSmsSendMessageTask } from '../../src/channels/twilio/sms-send.task.js';
import { createTwilioRuntime, type TwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import { createPool } from '../../src/platform/db/database.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { buildTasks } from '../../src/tasks.js';
import { type FakeMessage, twilioSid } from '../fakes/twilio.js';
import { pollUntil } from '../fixtures/leadline-process.js';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';
import { taskContext } from '../support/inbound-pipeline.js';
import { captureLogger } from '../support/log-capture.js';
import { openedRows } from '../support/sealed.js';

const VISITOR = '+393471234567';

describe('SMS over Twilio', () => {
  let world: CallbackWorld;
  let runtime: TwilioRuntime;
  let inboundUrl: string;
  const processTask = createSmsProcessInboundTask({ agent: createQualifier() });
  let sendTask: ReturnType<typeof createSmsSendMessageTask>;

  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
    runtime = createTwilioRuntime({ config: world.config, db: world.database.db });
    sendTask = createSmsSendMessageTask({ rest: runtime.rest, config: world.config });
    inboundUrl = `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms`;
  });
  afterAll(async () => {
    await runtime?.close();
    await world?.close();
  });

  const owner = () => world.database.ownerDb;
  const ctx = () => taskContext(world.database.db, world.tenantId);
  const number = () =>
    owner()
      .selectFrom('twilioNumbers')
      .selectAll()
      .where('phoneE164', '=', world.callerNumber)
      .executeTakeFirstOrThrow();
  const receiptCount = async () =>
    Number(
      (
        await owner()
          .selectFrom('smsInbound')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** Runs the conversation's processing job, then the send job of each reply still pending, in order. */
  async function processAndSend(from: string) {
    const { id: numberId } = await number();
    await processTask.handle({ numberId, conversationKey: from.slice(1) }, ctx());
    const pending = await owner()
      .selectFrom('messages')
      .select('id')
      .where('channelId', '=', numberId)
      .where('direction', '=', 'outbound')
      .where('status', '=', 'pending')
      .orderBy('sentAt')
      .orderBy('id')
      .execute();
    for (const { id } of pending) await sendTask.handle({ messageId: id }, ctx());
  }

  const waitingStatuses = () => owner().selectFrom('smsStatusEvents').selectAll().orderBy('id').execute();
  const statusesJobs = async (numberId: string) => {
    const { rows } = await sql<{ runAt: Date }>`
      select run_at from graphile_worker.jobs where key = ${`sms-statuses:${numberId}`}`.execute(owner());
    return rows;
  };

  const sms = (from: string, body: string, extra: { messageSid?: string; idempotencyToken?: string } = {}) =>
    world.twilio.inboundSms(world.account, inboundUrl, { from, to: world.callerNumber, body, ...extra });

  it('stores an inbound SMS before answering, and the agent answers by SMS through the send ledger', async () => {
    const numbers = await world.app.inject({
      method: 'GET',
      url: '/api/v1/twilio/numbers',
      headers: world.admin,
    });
    expect(numbers.json().items).toEqual([
      expect.objectContaining({ phoneE164: world.callerNumber, smsWebhookUrl: inboundUrl }),
    ]);
    const answer = await sms(VISITOR, 'Hello, I would like a quote');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain('text/xml');
    expect(answer.body).toContain('<Response></Response>');
    // Durable before the 200: the receipt and its processing job are committed.
    const receipt = await owner().selectFrom('smsInbound').selectAll().executeTakeFirstOrThrow();
    expect(receipt).toMatchObject({ messageSid: answer.messageSid, fromE164: VISITOR, processedAt: null });
    // The text and Twilio's parameters are sealed at rest (ADR 0036) and open to what was posted.
    expect(JSON.stringify([receipt.body, receipt.params])).not.toContain('would like a quote');
    const [opened] = await openedRows(owner(), [{ ...receipt, tenantId: world.tenantId }]);
    expect(opened?.body).toBe('Hello, I would like a quote');
    expect(JSON.parse(opened?.params as unknown as string)).toMatchObject({
      Body: 'Hello, I would like a quote',
      From: VISITOR,
    });

    const sentBefore = world.twilio.messages.length;
    await processAndSend(VISITOR);

    const conversation = await owner()
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select(['conversations.id', 'conversations.channelKind', 'contacts.phoneE164'])
      .executeTakeFirstOrThrow();
    expect(conversation).toMatchObject({ channelKind: 'sms', phoneE164: VISITOR });
    const inbox = await world.app.inject({
      method: 'GET',
      url: '/api/v1/conversations',
      headers: world.admin,
    });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json().items).toEqual([
      expect.objectContaining({
        id: conversation.id,
        channelKind: 'sms',
        windowOpenUntil: null,
        canAttach: false,
      }),
    ]);

    const messages = await openedRows(
      owner(),
      await owner()
        .selectFrom('messages')
        .selectAll()
        .where('conversationId', '=', conversation.id)
        .orderBy('sentAt')
        .execute(),
    );
    expect(messages[0]).toMatchObject({ direction: 'inbound', text: 'Hello, I would like a quote' });
    const replies = messages.filter((m) => m.direction === 'outbound');
    expect(replies.length).toBeGreaterThan(0);
    const sent = world.twilio.messages.slice(sentBefore);
    expect(sent.map((m) => m.body)).toEqual(replies.map((m) => m.text));
    for (const [index, reply] of replies.entries()) {
      expect(reply).toMatchObject({ status: 'accepted', providerMessageId: sent[index]?.sid });
      expect(sent[index]).toMatchObject({ to: VISITOR, from: world.callerNumber });
      expect(sent[index]?.statusCallback).toContain(`/sms/${receipt.numberId}/status/${reply.id}`);
    }
    // Sending again sends nothing: the row has its MessageSid.
    await sendTask.handle({ messageId: replies[0]!.id }, ctx());
    expect(world.twilio.messages.length).toBe(sentBefore + replies.length);

    // Status callbacks out of order: delivered, then sent (late) — the row stays delivered.
    const first = sent[0]!;
    expect((await world.twilio.messageStatus(first, 'delivered')).status).toBe(204);
    expect((await world.twilio.messageStatus(first, 'sent')).status).toBe(204);
    expect((await world.twilio.messageStatus(first, 'queued')).status).toBe(204);
    const settled = await owner()
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', replies[0]!.id)
      .executeTakeFirstOrThrow();
    expect(settled.status).toBe('delivered');
    // undelivered is a failure with Twilio's error code, and stays one.
    const second = await sms(VISITOR, 'and another question');
    expect(second.status).toBe(200);
    const sentBeforeSecond = world.twilio.messages.length;
    await processAndSend(VISITOR);
    const latest = world.twilio.messages[sentBeforeSecond];
    expect(latest).toBeDefined();
    await world.twilio.messageStatus(latest!, 'undelivered', { errorCode: '30003' });
    await world.twilio.messageStatus(latest!, 'delivered');
    const failed = await owner()
      .selectFrom('messages')
      .selectAll()
      .where('providerMessageId', '=', latest!.sid)
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ status: 'failed', errorCode: 30003 });
  });

  it('an operator writes from the composer: sent by SMS from the conversation’s number; templates are refused', async () => {
    const conversation = await owner()
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select('conversations.id')
      .where('contacts.phoneE164', '=', VISITOR)
      .executeTakeFirstOrThrow();
    // Long after the customer's last message: SMS has no 24-hour window.
    await owner()
      .updateTable('conversations')
      .set({ lastInboundAt: new Date(Date.now() - 3 * 86_400_000) })
      .where('id', '=', conversation.id)
      .execute();
    const url = `/api/v1/conversations/${conversation.id}/messages`;
    const written = await world.app.inject({
      method: 'POST',
      url,
      headers: world.admin,
      payload: { type: 'text', text: 'Hi, this is Anna from sales' },
    });
    expect(written.statusCode).toBe(202);
    const template = await world.app.inject({
      method: 'POST',
      url,
      headers: world.admin,
      payload: { type: 'template', template: { name: 'follow_up', language: 'en' } },
    });
    expect(template.statusCode).toBe(400);
    // The ledger queued an SMS send job in the conversation's queue.
    const { rows: jobs } = await sql<{ taskIdentifier: string; queueName: string | null }>`
      select task_identifier, queue_name from graphile_worker.jobs where key = ${`sms-send:${written.json().id}`}`.execute(
      owner(),
    );
    expect(jobs).toEqual([
      {
        taskIdentifier: 'sms.send-message',
        queueName: expect.stringMatching(/^sms:[0-9a-f-]{36}:393471234567$/),
      },
    ]);
    const sentBefore = world.twilio.messages.length;
    await sendTask.handle({ messageId: written.json().id }, ctx());
    expect(world.twilio.messages.slice(sentBefore)).toEqual([
      expect.objectContaining({ to: VISITOR, from: world.callerNumber, body: 'Hi, this is Anna from sales' }),
    ]);
  });

  it('a status callback for a message Leadline does not know yet is kept once and applied forward-only when the message appears', async () => {
    const { id: numberId } = await number();
    const conversation = await owner()
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select('conversations.id')
      .where('contacts.phoneE164', '=', VISITOR)
      .executeTakeFirstOrThrow();
    // Twilio's callbacks for a row whose ledger transaction has not committed yet.
    const messageId = randomUUID();
    const early: FakeMessage = {
      sid: twilioSid('SM'),
      accountSid: world.account.accountSid,
      to: VISITOR,
      from: world.callerNumber,
      body: 'Sent before it was recorded',
      statusCallback: `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms/${numberId}/status/${messageId}`,
      createdAt: performance.now(),
    };
    expect((await world.twilio.messageStatus(early, 'delivered')).status).toBe(204);
    // Twilio retries; the same status again is one event.
    expect((await world.twilio.messageStatus(early, 'delivered')).status).toBe(204);
    expect((await world.twilio.messageStatus(early, 'sent')).status).toBe(204);
    expect((await waitingStatuses()).map((event) => [event.messageId, event.status])).toEqual([
      [messageId, 'delivered'],
      [messageId, 'sent'],
    ]);
    // Committed with a look again a little later.
    expect(await statusesJobs(numberId)).toHaveLength(1);

    // Nothing to match yet: they stay, and the job looks again later.
    await sql`delete from graphile_worker._private_jobs where key = ${`sms-statuses:${numberId}`}`.execute(
      owner(),
    );
    await smsApplyStatusesTaskDefinition.handle({ numberId }, ctx());
    expect(await waitingStatuses()).toHaveLength(2);
    expect(await statusesJobs(numberId)).toHaveLength(1);

    // The row appears (its ledger transaction commits): the best status applies, then they are gone.
    await owner()
      .insertInto('messages')
      .values({
        id: messageId,
        tenantId: world.tenantId,
        conversationId: conversation.id,
        channelId: numberId,
        direction: 'outbound',
        author: 'operator',
        authorUserId: null,
        providerMessageId: null,
        type: 'text',
        text: early.body,
        content: JSON.stringify({}),
        sentAt: new Date(),
        status: 'pending',
        statusAt: null,
        errorCode: null,
        errorTitle: null,
        idempotencyKey: null,
      })
      .execute();
    await smsApplyStatusesTaskDefinition.handle({ numberId }, ctx());
    const settled = await owner()
      .selectFrom('messages')
      .select(['status', 'providerMessageId'])
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    expect(settled).toEqual({ status: 'delivered', providerMessageId: early.sid });
    expect(await waitingStatuses()).toEqual([]);
    // Its send sends nothing: the row has its MessageSid.
    const sentBefore = world.twilio.messages.length;
    await sendTask.handle({ messageId }, ctx());
    expect(world.twilio.messages.length).toBe(sentBefore);
    // A late callback now goes straight to the row, forward only.
    expect((await world.twilio.messageStatus(early, 'sent')).status).toBe(204);
    expect(await waitingStatuses()).toEqual([]);
    expect(
      (
        await owner()
          .selectFrom('messages')
          .select('status')
          .where('id', '=', messageId)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('delivered');
  });

  it('a status callback that never matches a message expires after a week', async () => {
    const { id: numberId } = await number();
    const elsewhere = (messageId: string): FakeMessage => ({
      sid: twilioSid('SM'),
      accountSid: world.account.accountSid,
      to: VISITOR,
      from: world.callerNumber,
      body: 'Sent from another system',
      statusCallback: `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms/${numberId}/status/${messageId}`,
      createdAt: performance.now(),
    });
    const old = elsewhere(randomUUID());
    const recent = elsewhere(randomUUID());
    expect((await world.twilio.messageStatus(old, 'delivered')).status).toBe(204);
    expect((await world.twilio.messageStatus(recent, 'delivered')).status).toBe(204);
    await owner()
      .updateTable('smsStatusEvents')
      .set({ receivedAt: new Date(Date.now() - 8 * 86_400_000) })
      .where('messageSid', '=', old.sid)
      .execute();
    await smsApplyStatusesTaskDefinition.handle({ numberId }, ctx());
    expect((await waitingStatuses()).map((event) => event.messageSid)).toEqual([recent.sid]);
    await owner()
      .updateTable('smsStatusEvents')
      .set({ receivedAt: new Date(Date.now() - 8 * 86_400_000) })
      .where('messageSid', '=', recent.sid)
      .execute();
    await smsApplyStatusesTaskDefinition.handle({ numberId }, ctx());
    expect(await waitingStatuses()).toEqual([]);
  });

  it('a retried webhook (same MessageSid and idempotency token) is one message', async () => {
    const from = '+393471230001';
    const messageSid = twilioSid('SM');
    const before = await receiptCount();
    const first = await sms(from, 'hi there', { messageSid, idempotencyToken: 'tok-1' });
    const again = await sms(from, 'hi there', { messageSid, idempotencyToken: 'tok-1' });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(await receiptCount()).toBe(before + 1);
    await processAndSend(from);
    await processAndSend(from);
    const inbound = await owner()
      .selectFrom('messages')
      .select('id')
      .where('providerMessageId', '=', messageSid)
      .execute();
    expect(inbound).toHaveLength(1);
  });

  it('STOP by SMS opts the contact out of SMS, confirms once, and the agent stays silent', async () => {
    const from = '+393471230002';
    await sms(from, 'Hello');
    await processAndSend(from);
    const sentBefore = world.twilio.messages.length;
    await sms(from, 'STOP');
    await processAndSend(from);
    const consent = await owner()
      .selectFrom('consentEntries')
      .innerJoin('contacts', 'contacts.id', 'consentEntries.contactId')
      .select(['consentEntries.channel', 'consentEntries.state', 'consentEntries.source'])
      .where('contacts.phoneE164', '=', from)
      .execute();
    expect(consent).toEqual([{ channel: 'sms', state: 'opted_out', source: 'customer' }]);
    const confirmations = world.twilio.messages.slice(sentBefore);
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]?.to).toBe(from);
    await sms(from, 'are you there?');
    await processAndSend(from);
    expect(world.twilio.messages.length).toBe(sentBefore + 1);
  });

  it.each([
    ['+393471230101', 'PARAR', 'INICIAR', 'Inscrição cancelada'],
    ['+393471230102', 'ANNULLA', 'ATTIVA', 'Iscrizione annullata'],
    ['+393471230103', 'BAJA', 'ALTA', 'Te has dado de baja'],
    ['+393471230104', 'STOPP', 'START', 'You have been unsubscribed'],
  ])(
    'on SMS (%s), %s opts out with a confirmation in that language, and %s opts in again',
    async (from, stop, start, confirmation) => {
      const sentBefore = world.twilio.messages.length;
      await sms(from, stop);
      await processAndSend(from);
      const confirmations = world.twilio.messages.slice(sentBefore);
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]?.body).toContain(confirmation);
      await sms(from, start);
      await processAndSend(from);
      const consent = await owner()
        .selectFrom('consentEntries')
        .innerJoin('contacts', 'contacts.id', 'consentEntries.contactId')
        .select(['consentEntries.channel', 'consentEntries.state', 'consentEntries.source'])
        .where('contacts.phoneE164', '=', from)
        .orderBy('consentEntries.recordedAt')
        .execute();
      expect(consent).toEqual([
        { channel: 'sms', state: 'opted_out', source: 'customer' },
        { channel: 'sms', state: 'opted_in', source: 'customer' },
      ]);
    },
  );

  it('refuses a bad signature with nothing stored', async () => {
    const before = await receiptCount();
    const forged = await world.twilio.signedPost(
      inboundUrl,
      { MessageSid: twilioSid('SM'), From: VISITOR, To: world.callerNumber, Body: 'x' },
      { authToken: 'f'.repeat(32) },
    );
    expect(forged.status).toBe(401);
    const unsigned = await world.twilio.signedPost(
      inboundUrl,
      { MessageSid: twilioSid('SM'), From: VISITOR, To: world.callerNumber, Body: 'x' },
      { signature: '' },
    );
    expect(unsigned.status).toBe(401);
    expect(await receiptCount()).toBe(before);
  });

  it('answers every bad input with a 4xx envelope and stores nothing', async () => {
    const before = await receiptCount();
    const good = { MessageSid: twilioSid('SM'), From: VISITOR, To: world.callerNumber, Body: 'x' };
    const signed = (params: Record<string, string | string[]>, url = inboundUrl, extra = {}) =>
      world.twilio.signedPost(url, params, { authToken: world.account.authToken, ...extra });
    const raw = (body: string | Buffer, contentType: string, url = inboundUrl) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType, 'x-twilio-signature': 'x' },
        body,
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    const cases: Array<[string, Promise<{ status: number; body: string }>]> = [
      ['missing Body', signed({ MessageSid: good.MessageSid, From: VISITOR, To: world.callerNumber })],
      ['bad MessageSid', signed({ ...good, MessageSid: 'SM<script>' })],
      ['From not E.164', signed({ ...good, From: "1' or 1=1 --" })],
      ['Body too long', signed({ ...good, Body: 'a'.repeat(1601) })],
      ['unknown To', signed({ ...good, To: '+15005550006' })],
      [
        'unknown tenant',
        signed(good, `${world.baseUrl}/webhooks/twilio/00000000-0000-4000-8000-000000000000/sms`),
      ],
      ['tenant not a uuid', signed(good, `${world.baseUrl}/webhooks/twilio/..%2F..%2Fetc/sms`)],
      ['NUL in a field', signed({ ...good, Body: 'a\u0000b' })],
      [
        'too many fields',
        signed({ ...good, ...Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`X${i}`, 'v'])) }),
      ],
      [
        'invalid UTF-8',
        raw(Buffer.from([0x42, 0x6f, 0x64, 0x79, 0x3d, 0xff, 0xfe]), 'application/x-www-form-urlencoded'),
      ],
      ['JSON body', raw(JSON.stringify(good), 'application/json')],
      ['no body', raw('', 'application/x-www-form-urlencoded')],
      ['oversized body', raw(`Body=${'a'.repeat(70 * 1024)}`, 'application/x-www-form-urlencoded')],
      [
        'status for a number not of this workspace',
        signed(
          { MessageSid: good.MessageSid, MessageStatus: 'sent' },
          `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms/00000000-0000-4000-8000-000000000000/status/00000000-0000-4000-8000-000000000001`,
        ),
      ],
      [
        'bad status word',
        signed(
          { MessageSid: good.MessageSid, MessageStatus: 'DROP TABLE' },
          `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms/00000000-0000-4000-8000-000000000000/status/00000000-0000-4000-8000-000000000001`,
        ),
      ],
    ];
    const waitingBefore = (await waitingStatuses()).length;
    for (const [name, pending] of cases) {
      const answer = await pending;
      expect(answer.status, name).toBeGreaterThanOrEqual(400);
      expect(answer.status, name).toBeLessThan(500);
      expect(JSON.parse(answer.body).error.code, name).toEqual(expect.any(String));
    }
    expect(await receiptCount()).toBe(before);
    expect(await waitingStatuses()).toHaveLength(waitingBefore);
  });
});

describe('SMS through the worker', () => {
  let world: CallbackWorld;
  let runtime: TwilioRuntime;
  let worker: RunningWorker;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    world = await startCallbackWorld({ worker: false });
    runtime = createTwilioRuntime({ config: world.config, db: world.database.db });
    pool = createPool({ connectionString: world.database.appUrl, max: 3, applicationName: 'sms-worker' });
    const tasks = buildTasks({
      secretKey: world.config.secretKey,
      mailer: {} as never,
      agent: createQualifier(),
      whatsappOutbound: {} as never,
      accounts: { db: world.database.db, config: world.config },
      callbacks: {} as never,
      publicUrl: world.config.http.publicUrl,
      contactImports: {} as never,
      sms: { rest: runtime.rest, config: world.config },
    }).filter((task) => task.id.startsWith('sms.'));
    worker = await startWorker({
      pool,
      db: world.database.db,
      logger: captureLogger().logger,
      tasks,
      concurrency: 2,
      pollIntervalMs: 100,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await pool?.end();
    await runtime?.close();
    await world?.close();
  });

  it('an inbound SMS is answered by SMS with no step but the webhook', async () => {
    const answer = await world.twilio.inboundSms(
      world.account,
      `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms`,
      {
        from: VISITOR,
        to: world.callerNumber,
        body: 'Hello',
      },
    );
    expect(answer.status).toBe(200);
    const [reply] = await world.twilio.waitForMessages(1, 20_000);
    expect(reply).toMatchObject({ to: VISITOR, from: world.callerNumber });
    // The fake has the request before the send's transaction saved its MessageSid: wait for the save.
    const saved = await pollUntil('the reply saved with its MessageSid', 20_000, () =>
      world.database.ownerDb
        .selectFrom('messages')
        .selectAll()
        .where('providerMessageId', '=', reply!.sid)
        .executeTakeFirst(),
    );
    const [stored] = await openedRows(world.database.ownerDb, [saved]);
    expect(stored).toMatchObject({ direction: 'outbound', author: 'bot', text: reply!.body });
  });
});
