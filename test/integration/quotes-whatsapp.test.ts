import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { createProcessInboundTask } from '../../src/channels/whatsapp/process-inbound.task.js';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { answerQuoteButton } from '../../src/quotes/acceptance/button-replies.js';
import { quoteAttachments } from '../../src/quotes/quote-attachments.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { buildTestApp } from '../support/app.js';
import { conversationKeyOf, deliverMessages, taskContext } from '../support/inbound-pipeline.js';
import { seedConversation } from '../support/inbox-fixtures.js';
import { captureLogger } from '../support/log-capture.js';
import { type OutboundHarness, outboundHarness, runTask } from '../support/outbound-fixtures.js';
import { openedRows } from '../support/sealed.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CONTEXT = { requestId: 'quotes-whatsapp-test', ip: '127.0.0.1', userAgent: 'vitest' };
const APP_SECRET = 'app-secret-quotes-whatsapp-01';
const PHONE_NUMBER_ID = '106540352243111';
const logs = captureLogger();

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let fake: FakeGraphApi;
let harness: OutboundHarness;
let sendTask: ReturnType<typeof createSendMessageTask>;
let tenantId: string;
let admin: SignedInMember;
let channelId: string;
let itemId: string;
let phoneCounter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  ({ app, config } = await buildTestApp({
    database,
    env: { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort },
  }));
  harness = outboundHarness(database, config, fake, logs.logger);
  harness.outbound.attachments = quoteAttachments;
  sendTask = createSendMessageTask(harness.outbound);
  tenantId = await newTenant(database.db, 'Cerâmica Lisboa');
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Quotes line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3111',
      wabaId: '102290129341111',
      accessToken: fake.accessToken,
      appSecret: APP_SECRET,
    },
  );
  channelId = channel.id;
  const item = await call('POST', '/api/v1/catalog/items', {
    sku: 'PISO-30',
    name: 'Piso cerâmico 30×30',
    unit: 'm²',
    unitPriceMinor: 2590,
    taxRateBp: 1800,
  });
  itemId = item.json().id;
});

afterAll(async () => {
  await harness?.close();
  await app?.close();
  await fake?.close();
  await database?.drop();
});

beforeEach(() => fake.reset());

function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) {
  return app.inject({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) });
}

/** A conversation whose customer last wrote `lastInboundAt` ago, and an approved quote drafted in it. */
async function approvedQuote(lastInboundAt = new Date()) {
  phoneCounter += 1;
  const phone = `+55119888${String(phoneCounter).padStart(5, '0')}`;
  const { conversationId } = await seedConversation(
    database.db,
    tenantId,
    channelId,
    { phoneE164: phone, displayName: 'Joana Silva' },
    [{ direction: 'inbound', text: 'Preciso de 12 m² de piso', sentAt: lastInboundAt }],
  );
  const made = await call('POST', '/api/v1/quotes', {
    conversationId,
    lines: [{ catalogItemId: itemId, quantity: '12' }],
  });
  expect(made.statusCode, made.body).toBe(201);
  const quote = made.json() as { id: string; number: string };
  expect((await call('POST', `/api/v1/quotes/${quote.id}/submit`, { version: 1 })).statusCode).toBe(200);
  expect((await call('POST', `/api/v1/quotes/${quote.id}/approve`, { version: 1 })).statusCode).toBe(200);
  return { ...quote, conversationId, phone };
}

async function versionOf(quoteId: string, version = 1) {
  return database.ownerDb
    .selectFrom('quoteVersions')
    .selectAll()
    .where('quoteId', '=', quoteId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
}

async function outbound(conversationId: string) {
  const rows = await database.ownerDb
    .selectFrom('messages')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .where('direction', '=', 'outbound')
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return openedRows(database.ownerDb, rows);
}

async function sendAll(conversationId: string) {
  for (const message of await outbound(conversationId)) {
    if (message.status === 'pending') {
      await runTask(database.db, sendTask, tenantId, { messageId: message.id }, { logger: logs.logger });
    }
  }
}

const processInbound = createProcessInboundTask({
  agent: createQualifier(),
  buttonReplies: answerQuoteButton,
});

let wamidCounter = 0;
/** The customer taps a reply button: Meta's webhook, then the conversation's processing job. */
async function tap(phone: string, buttonId: string, title: string): Promise<string> {
  wamidCounter += 1;
  const wamid = `wamid.button-${wamidCounter}-${Date.now()}`;
  const from = phone.slice(1);
  const status = await deliverMessages(
    { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET },
    [
      {
        from,
        id: wamid,
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: buttonId, title } },
        context: { from: '15550783111', id: 'wamid.quote' },
      },
    ],
  );
  expect(status).toBe(200);
  await processInbound.handle(
    { channelId, conversationKey: conversationKeyOf(from) },
    taskContext(database.db, tenantId),
  );
  return wamid;
}

describe('sending a quote on WhatsApp', () => {
  it('inside the window: the PDF is uploaded once and sent as a document, then the Accept / question buttons naming the version', async () => {
    const quote = await approvedQuote();
    const sent = await call('POST', `/api/v1/quotes/${quote.id}/send`, { version: 1 });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json().delivery).toEqual({ channel: 'whatsapp', via: 'session' });
    const { link } = sent.json() as { link: string };
    const rows = await outbound(quote.conversationId);
    expect(rows.map((r) => r.type)).toEqual(['document', 'interactive']);

    await sendAll(quote.conversationId);
    await sendAll(quote.conversationId);
    const version = await versionOf(quote.id);
    const stored = await database.ownerDb
      .selectFrom('quoteDocuments')
      .select(['pdf', 'sha256'])
      .where('quoteVersionId', '=', version.id)
      .executeTakeFirstOrThrow();
    const uploads = fake.uploads();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.mimeType).toBe('application/pdf');
    expect(uploads[0]?.filename).toBe(`${quote.number}-v1.pdf`);
    expect(
      createHash('sha256')
        .update(uploads[0]?.body ?? Buffer.alloc(0))
        .digest(),
    ).toEqual(stored.sha256);

    const sends = fake.sends();
    expect(sends).toHaveLength(2);
    expect(sends[0]?.body).toMatchObject({
      type: 'document',
      to: quote.phone.slice(1),
      document: { id: uploads[0]?.id, filename: `${quote.number}-v1.pdf` },
    });
    expect(JSON.stringify(sends[0]?.body?.document)).toContain(link);
    expect(sends[1]?.body).toMatchObject({
      type: 'interactive',
      interactive: {
        type: 'button',
        action: {
          buttons: [
            { type: 'reply', reply: { id: `quote:${version.id}:accept`, title: 'Accept' } },
            { type: 'reply', reply: { id: `quote:${version.id}:question`, title: 'I have a question' } },
          ],
        },
      },
    });
    expect(sends[1]?.body?.interactive).toMatchObject({ body: { text: expect.stringContaining(link) } });
    expect((await outbound(quote.conversationId)).map((r) => r.status)).toEqual(['accepted', 'accepted']);
  });

  it('outside the window: refused with a clear 409 while no template is set, then sent through the template with a DOCUMENT header', async () => {
    const quote = await approvedQuote(new Date(Date.now() - 25 * 3600_000));
    const refused = await call('POST', `/api/v1/quotes/${quote.id}/send`, { version: 1 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/24 hours.*template/);
    expect((await versionOf(quote.id)).status).toBe('approved');
    expect(await outbound(quote.conversationId)).toHaveLength(0);

    const settings = await call('PATCH', '/api/v1/quotes/settings', {
      whatsappTemplateName: 'quote_document',
      whatsappTemplateLanguage: 'pt_BR',
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const sent = await call('POST', `/api/v1/quotes/${quote.id}/send`, { version: 1 });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json().delivery).toEqual({ channel: 'whatsapp', via: 'template' });
    await sendAll(quote.conversationId);
    const version = await versionOf(quote.id);
    const [upload] = fake.uploads();
    expect(fake.sends()[0]?.body?.template).toEqual({
      name: 'quote_document',
      language: { code: 'pt_BR' },
      components: [
        {
          type: 'header',
          parameters: [
            { type: 'document', document: { id: upload?.id, filename: `${quote.number}-v1.pdf` } },
          ],
        },
        { type: 'body', parameters: [{ type: 'text', text: sent.json().link }] },
        {
          type: 'button',
          sub_type: 'quick_reply',
          index: '0',
          parameters: [{ type: 'payload', payload: `quote:${version.id}:accept` }],
        },
        {
          type: 'button',
          sub_type: 'quick_reply',
          index: '1',
          parameters: [{ type: 'payload', payload: `quote:${version.id}:question` }],
        },
      ],
    });
    await call('PATCH', '/api/v1/quotes/settings', {
      whatsappTemplateName: null,
      whatsappTemplateLanguage: null,
    });
  });

  it('refuses malformed template settings with 400', async () => {
    for (const body of [
      { whatsappTemplateName: 'Quote Document' },
      { whatsappTemplateName: '' },
      { whatsappTemplateName: 'a'.repeat(600) },
      { whatsappTemplateLanguage: 'pt-BR; drop' },
      { whatsappTemplateName: 42 },
    ]) {
      const response = await call('PATCH', '/api/v1/quotes/settings', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
  });

  it('a failed upload: retried when Meta may come back, the row failed when Meta refuses the file', async () => {
    const quote = await approvedQuote();
    await call('POST', `/api/v1/quotes/${quote.id}/send`, { version: 1 });
    const [document] = await outbound(quote.conversationId);
    fake.failUploads({ kind: 'http-500' }, 5);
    await expect(
      runTask(
        database.db,
        sendTask,
        tenantId,
        { messageId: document?.id as string },
        { logger: logs.logger },
      ),
    ).rejects.toThrow();
    expect(fake.sends()).toHaveLength(0);
    const waiting = await outbound(quote.conversationId);
    expect(waiting[0]?.status).toBe('pending');
    expect(waiting[0]?.sendStartedAt).toBeNull();

    fake.reset();
    fake.failUploads({ kind: 'graph-error', code: 131053, title: 'Media upload error' }, 5);
    await runTask(
      database.db,
      sendTask,
      tenantId,
      { messageId: document?.id as string },
      { logger: logs.logger },
    );
    const failed = await outbound(quote.conversationId);
    expect(failed[0]?.status).toBe('failed');
    expect(failed[0]?.errorCode).toBe(131053);
    expect(fake.sends()).toHaveLength(0);
  });
});

describe('the customer answers with a reply button', () => {
  it('Accept accepts exactly the version sent, with the wamid and the PDF hash as evidence; a second tap changes nothing', async () => {
    const quote = await approvedQuote();
    await call('POST', `/api/v1/quotes/${quote.id}/send`, { version: 1 });
    const version = await versionOf(quote.id);
    const wamid = await tap(quote.phone, `quote:${version.id}:accept`, 'Accept');
    expect((await versionOf(quote.id)).status).toBe('accepted');
    const decision = await database.ownerDb
      .selectFrom('quoteDecisions')
      .selectAll()
      .where('quoteVersionId', '=', version.id)
      .executeTakeFirstOrThrow();
    const stored = await database.ownerDb
      .selectFrom('quoteDocuments')
      .select('sha256')
      .where('quoteVersionId', '=', version.id)
      .executeTakeFirstOrThrow();
    expect(decision).toMatchObject({
      decision: 'accepted',
      channel: 'whatsapp',
      channelMessageId: wamid,
      // The customer's WhatsApp profile name, as Meta's webhook gave it.
      customerName: 'Sheena Nelson',
      ip: null,
    });
    expect(decision.pdfSha256).toEqual(stored.sha256);
    const events = await database.ownerDb
      .selectFrom('domainEvents')
      .select('type')
      .where('subjectId', '=', quote.id)
      .execute();
    expect(events.map((e) => e.type)).toEqual(['quote.accepted']);
    const replies = (await outbound(quote.conversationId)).filter((m) => m.type === 'text');
    expect(replies.map((r) => r.text)).toEqual([
      `Thank you! Quote ${quote.number} is accepted. We will be in touch shortly.`,
    ]);

    await tap(quote.phone, `quote:${version.id}:accept`, 'Accept');
    expect(
      await database.ownerDb
        .selectFrom('quoteDecisions')
        .select('decision')
        .where('quoteVersionId', '=', version.id)
        .execute(),
    ).toHaveLength(1);
  });

  it('a superseded or expired version is refused with a reply saying why, and is not accepted', async () => {
    const quote = await approvedQuote();
    await call('POST', `/api/v1/quotes/${quote.id}/send`, { version: 1 });
    const first = await versionOf(quote.id);
    const edited = await call('PUT', `/api/v1/quotes/${quote.id}`, {
      version: 1,
      lines: [{ catalogItemId: itemId, quantity: '14' }],
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await tap(quote.phone, `quote:${first.id}:accept`, 'Accept');
    expect((await versionOf(quote.id, 1)).status).toBe('superseded');
    expect((await versionOf(quote.id, 2)).status).toBe('draft');
    const texts = (await outbound(quote.conversationId)).filter((m) => m.type === 'text').map((m) => m.text);
    expect(texts.at(-1)).toContain('replaced by a newer version');

    const late = await approvedQuote();
    await call('POST', `/api/v1/quotes/${late.id}/send`, { version: 1 });
    const lateVersion = await versionOf(late.id);
    await sql`update quote_versions set valid_until = '2020-01-01' where id = ${lateVersion.id}`.execute(
      database.ownerDb,
    );
    await tap(late.phone, `quote:${lateVersion.id}:accept`, 'Accept');
    expect((await versionOf(late.id)).status).toBe('expired');
    expect(
      await database.ownerDb
        .selectFrom('quoteDecisions')
        .select('decision')
        .where('quoteVersionId', '=', lateVersion.id)
        .execute(),
    ).toHaveLength(0);
    const lateTexts = (await outbound(late.conversationId))
      .filter((m) => m.type === 'text')
      .map((m) => m.text);
    expect(lateTexts.at(-1)).toContain('has expired');
  });

  it('a button of another conversation’s quote is not an acceptance; "I have a question" hands over to a person', async () => {
    const mine = await approvedQuote();
    const theirs = await approvedQuote();
    await call('POST', `/api/v1/quotes/${theirs.id}/send`, { version: 1 });
    const theirVersion = await versionOf(theirs.id);
    await tap(mine.phone, `quote:${theirVersion.id}:accept`, 'Accept');
    expect((await versionOf(theirs.id)).status).toBe('sent');

    await call('POST', `/api/v1/quotes/${mine.id}/send`, { version: 1 });
    const version = await versionOf(mine.id);
    await tap(mine.phone, `quote:${version.id}:question`, 'I have a question');
    const conversation = await withTenant(database.db, tenantId, (trx) =>
      trx
        .selectFrom('conversations')
        .select('ownership')
        .where('id', '=', mine.conversationId)
        .executeTakeFirstOrThrow(),
    );
    expect(conversation.ownership).toBe('human');
    expect((await versionOf(mine.id)).status).toBe('sent');
    const texts = (await outbound(mine.conversationId)).filter((m) => m.type === 'text').map((m) => m.text);
    expect(texts.at(-1)).toContain('member of our team');
  });
});
