import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import type { Message } from '../../src/conversations/messages.table.js';
import { queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type FakeGraphApi, type FakeTemplate, startFakeGraphApi } from '../fakes/graph-api.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
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

/**
 * Template messages carry the text the customer reads: an operator's template (route → ledger → send
 * job → Graph API) is checked against the template's variables and Meta's rules for the values, and
 * stored with its rendered text; a template queued without it (campaigns, automations) gets it when sent.
 */

const WABA = '102290129340398';
const ORDER_UPDATE: FakeTemplate = {
  name: 'order_update',
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['A-17'] } },
    {
      type: 'BODY',
      text: 'Hello {{1}}, your order ships on {{2}}.',
      example: { body_text: [['Ada', 'Monday']] },
    },
    { type: 'FOOTER', text: 'Leadline Sales' },
  ],
};
const RENDERED = 'Order A-17\n\nHello Ada Lovelace, your order ships on Monday.\n\nLeadline Sales';
const COMPONENTS = [
  { type: 'header', parameters: [{ type: 'text', text: 'A-17' }] },
  {
    type: 'body',
    parameters: [
      { type: 'text', text: 'Ada Lovelace' },
      { type: 'text', text: 'Monday' },
    ],
  },
];

const logs = captureLogger();
let database: TestDatabase;
let fake: FakeGraphApi;
let config: Config;
let harness: OutboundHarness;
let sendTask: ReturnType<typeof createSendMessageTask>;
let app: FastifyInstance;
let appLogs: TestApp['logs'];
let tenantId: string;
let agent: SignedInMember;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  config = testConfig({ WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort });
  harness = outboundHarness(database, config, fake, logs.logger);
  sendTask = createSendMessageTask(harness.outbound);
  tenantId = await newTenant(database.db);
  ({ app, logs: appLogs } = await buildTestApp({
    database,
    env: { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort },
  }));
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
});

afterAll(async () => {
  await app?.close();
  await harness?.close();
  await fake?.close();
  await database?.drop();
});

beforeEach(() => {
  fake.reset();
  fake.setTemplates(WABA, [ORDER_UPDATE]);
});

// Outside the 24-hour window: only a template may go.
const conversation = () =>
  createConversation(database.db, config, { tenantId, accessToken: fake.accessToken, lastInboundAt: null });

const post = (fixture: ConversationFixture, template: Record<string, unknown>) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/conversations/${fixture.conversationId}/messages`,
    headers: { ...agent.headers, 'idempotency-key': randomUUID() },
    payload: { type: 'template', template },
  });

const send = (messageId: string) =>
  runTask(database.db, sendTask, tenantId, { messageId }, { logger: logs.logger });

const messagesOf = (fixture: ConversationFixture): Promise<Message[]> =>
  withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('messages').selectAll().where('conversationId', '=', fixture.conversationId).execute(),
  );

const listings = () => fake.requests.filter((request) => request.path.endsWith('/message_templates')).length;

describe('an operator’s template message', () => {
  it('is stored with the text the customer reads, and Meta receives its parameters', async () => {
    const fixture = await conversation();
    const response = await post(fixture, { name: 'order_update', language: 'en_US', components: COMPONENTS });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ type: 'template', status: 'pending', text: RENDERED });

    await send(response.json().id);
    expect(fake.sends()).toHaveLength(1);
    expect(fake.sends()[0]?.body).toMatchObject({
      type: 'template',
      template: { name: 'order_update', language: { code: 'en_US' }, components: COMPONENTS },
    });
    const [row] = await messagesOf(fixture);
    expect(row).toMatchObject({ type: 'template', text: RENDERED, status: 'accepted' });

    // The thread and the conversation list show the text, not the template's name.
    const thread = await app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${fixture.conversationId}/messages`,
      headers: agent.headers,
    });
    expect(thread.json().items).toEqual([expect.objectContaining({ type: 'template', text: RENDERED })]);
    const detail = await app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${fixture.conversationId}`,
      headers: agent.headers,
    });
    expect(detail.json().lastMessage.preview).toBe(RENDERED.replace(/\s+/g, ' '));
  });

  it('asks Meta for the templates once, then renders the next ones from the remembered listing', async () => {
    const fixture = await conversation();
    const template = { name: 'order_update', language: 'en_US', components: COMPONENTS };
    expect((await post(fixture, template)).statusCode).toBe(202);
    const before = listings();
    expect((await post(fixture, template)).statusCode).toBe(202);
    expect(listings()).toBe(before);
  });

  it.each([
    [
      'a body parameter too few',
      [COMPONENTS[0], { type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }],
    ],
    ['no header parameter', [COMPONENTS[1]]],
    ['no parameters at all', undefined],
  ])('is refused (400) with %s, and nothing is queued', async (_case, components) => {
    const fixture = await conversation();
    const response = await post(fixture, { name: 'order_update', language: 'en_US', components });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed' });
    expect(response.json().error.message).toMatch(/order_update \(en_US\) has \d (header|body) variables?/);
    expect(await messagesOf(fixture)).toEqual([]);
  });

  it.each([
    ['a line break', 'Ada\nLovelace', /line breaks or tabs/],
    ['a tab', 'Ada\tLovelace', /line breaks or tabs/],
    ['five spaces in a row', 'Ada     Lovelace', /more than four spaces/],
    ['an empty value', '', /must not be empty/],
    ['a value over 1,024 characters', 'x'.repeat(1025), /at most 1024 characters/],
  ])('is refused (400) with %s in a parameter, naming the field', async (_case, value, problem) => {
    const fixture = await conversation();
    const components = [
      COMPONENTS[0],
      {
        type: 'body',
        parameters: [
          { type: 'text', text: value },
          { type: 'text', text: 'Monday' },
        ],
      },
    ];
    const response = await post(fixture, { name: 'order_update', language: 'en_US', components });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(problem);
    expect(response.json().error.details).toContainEqual({
      path: 'template.components.1.parameters.0.text',
      message: expect.stringMatching(problem),
    });
    expect(await messagesOf(fixture)).toEqual([]);
  });

  it('refuses a header value over Meta’s 60 characters', async () => {
    const fixture = await conversation();
    const components = [
      { type: 'header', parameters: [{ type: 'text', text: 'x'.repeat(61) }] },
      COMPONENTS[1],
    ];
    const response = await post(fixture, { name: 'order_update', language: 'en_US', components });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details).toEqual([
      { path: 'template.components.0.parameters.0.text', message: 'must be at most 60 characters' },
    ]);
  });

  it('is queued and shown by its name when Meta does not list it (Meta judges the send)', async () => {
    const fixture = await conversation();
    const response = await post(fixture, { name: 'not_listed', language: 'en_US' });
    expect(response.statusCode).toBe(202);
    expect(response.json().text).toBeNull();
    await send(response.json().id);
    const [row] = await messagesOf(fixture);
    expect(row).toMatchObject({ type: 'template', text: null, status: 'accepted' });
  });

  it('is queued, by its name, when Meta cannot list the templates; the send job renders it later', async () => {
    // A channel of its own: nothing remembered for it yet.
    const fixture = await conversation();
    fake.fail({ kind: 'graph-error', code: 100, httpStatus: 400, title: 'Invalid parameter' }, { times: 1 });
    const response = await post(fixture, { name: 'order_update', language: 'en_US', components: COMPONENTS });
    expect(response.statusCode).toBe(202);
    expect(response.json().text).toBeNull();
    expect(appLogs.text()).toContain(
      'the templates could not be listed; the template message is shown by its name',
    );
    await send(response.json().id);
    const [row] = await messagesOf(fixture);
    expect(row).toMatchObject({ text: RENDERED, status: 'accepted' });
  });
});

describe('a template queued without its text (campaigns, automations, quotes)', () => {
  it('gets the rendered text when it is sent', async () => {
    const fixture = await conversation();
    const { message } = await withTenant(database.db, tenantId, (trx) =>
      queueOutboundMessage(trx, {
        conversationId: fixture.conversationId,
        author: 'system',
        body: {
          type: 'template',
          template: { name: 'order_update', language: 'en_US', components: COMPONENTS },
        },
        idempotencyKey: `campaign:${randomUUID()}`,
        requestId: 'test',
      }),
    );
    expect(message.text).toBeNull();
    await send(message.id);
    expect(fake.sends()[0]?.body).toMatchObject({ template: { components: COMPONENTS } });
    const [row] = await messagesOf(fixture);
    expect(row).toMatchObject({ text: RENDERED, status: 'accepted' });
  });
});
