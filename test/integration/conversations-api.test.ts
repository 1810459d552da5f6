import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { type MessageObject, messages, unixSeconds } from '../fakes/meta-webhook-client.js';
import { buildTestApp } from '../support/app.js';
import { conversationKeyOf, deliverMessages, runProcessInbound } from '../support/inbound-pipeline.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PHONE_NUMBER_ID = '106540352242923';
const APP_SECRET = 'app-secret-conversations-api-0123';
const CONTEXT = { requestId: 'conversations-api', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let owner: SignedInMember;
let agentMember: SignedInMember;
let channelId: string;
/** Conversation ids by customer, created through the webhook and the processing job. */
const conversations = new Map<string, string>();

const CUSTOMERS = ['393330000001', '393330000002', '393330000003'];
const at = (seconds: number) => unixSeconds(new Date(Date.UTC(2026, 10, 23, 9, 0, seconds)));

async function receive(from: string, items: MessageObject[]): Promise<string> {
  const status = await deliverMessages(
    { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET },
    items,
  );
  expect(status).toBe(200);
  await runProcessInbound(database.db, tenantId, channelId, from);
  const row = await database.ownerDb
    .selectFrom('conversations')
    .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
    .select('conversations.id')
    .where('contacts.phoneE164', '=', `+${conversationKeyOf(from)}`)
    .executeTakeFirstOrThrow();
  conversations.set(from, row.id);
  return row.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Inbox');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  agentMember = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Inbox line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3882',
      wabaId: '102290129340398',
      accessToken: 'EAAG-inbox-token',
      appSecret: APP_SECRET,
    },
  );
  channelId = channel.id;
  // Activity order: customer 0 oldest, customer 2 newest.
  for (const [index, from] of CUSTOMERS.entries()) {
    await receive(from, [messages.text({ from, body: `hello from ${index}`, timestamp: at(index * 10) })]);
  }
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function get(url: string, headers: Record<string, string> = agentMember.headers) {
  return app.inject({ method: 'GET', url, headers });
}

function putOwnership(id: string, payload: unknown, headers: Record<string, string> = agentMember.headers) {
  return app.inject({
    method: 'PUT',
    url: `/api/v1/conversations/${id}/ownership`,
    headers,
    payload: payload as object,
  });
}

describe('GET /api/v1/conversations', () => {
  it('lists conversations most recently active first, with the contact', async () => {
    const response = await get('/api/v1/conversations');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body.items.map((c: { contact: { phoneE164: string } }) => c.contact.phoneE164)).toEqual(
      [...CUSTOMERS].reverse().map((from) => `+${from}`),
    );
    expect(body.items[0]).toMatchObject({
      channelId,
      ownership: 'bot',
      contact: { displayName: 'Sheena Nelson' },
      lastInboundAt: new Date(Number(at(20)) * 1000).toISOString(),
    });
    expect(body.nextCursor).toBeNull();
  });

  it('walks every conversation exactly once with a keyset cursor', async () => {
    const first = (await get('/api/v1/conversations?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await get(`/api/v1/conversations?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(CUSTOMERS.length);
    expect(ids.sort()).toEqual([...conversations.values()].sort());
  });

  it('answers 400 in the error envelope for a forged cursor or an out-of-range limit', async () => {
    for (const query of [
      'cursor=bm90LWEtY3Vyc29y',
      'cursor=%27%3B--',
      'limit=0',
      'limit=101',
      'ownership=robot',
      'extra=1',
    ]) {
      const response = await get(`/api/v1/conversations?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error).toMatchObject({
        code: expect.any(String),
        requestId: expect.any(String),
      });
    }
  });
});

describe('GET /api/v1/conversations/{id} and its messages', () => {
  it('returns one conversation; 404 for an unknown id, 400 for a malformed one', async () => {
    const id = conversations.get(CUSTOMERS[0]!)!;
    const response = await get(`/api/v1/conversations/${id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, contact: { phoneE164: `+${CUSTOMERS[0]}` } });
    expect((await get('/api/v1/conversations/7d1c3e0e-9b7a-4a53-9d55-2f1b3c4d5e6f')).statusCode).toBe(404);
    expect((await get('/api/v1/conversations/not-a-uuid')).statusCode).toBe(400);
  });

  it('lists messages oldest first by Meta’s time, pages through them, and keeps Meta’s own fields as sent', async () => {
    const from = '393330000099';
    const id = await receive(from, [
      messages.text({ from, body: 'second', timestamp: at(101) }),
      messages.text({ from, body: 'first', timestamp: at(100) }),
      messages.buttonReply({ from, buttonId: 'pick_plan', title: 'Pro', timestamp: at(102) }),
      messages.unsupported({ from, timestamp: at(103) }),
      {
        from,
        id: 'wamid.order-1',
        timestamp: at(104),
        type: 'order',
        order: { catalog_id: 'cat-1', product_items: [{ product_retailer_id: 'sku-1', quantity: 2 }] },
      },
    ]);
    const all = (await get(`/api/v1/conversations/${id}/messages?limit=100`)).json();
    const inbound = all.items.filter((m: { direction: string }) => m.direction === 'inbound');
    expect(inbound.map((m: { text: string | null }) => m.text)).toEqual([
      'first',
      'second',
      'Pro',
      null,
      null,
    ]);
    expect(inbound[0].sentAt).toBe(new Date(Number(at(100)) * 1000).toISOString());
    expect(inbound[2]).toMatchObject({
      type: 'interactive',
      unsupported: false,
      content: { replyId: 'pick_plan' },
    });
    // The raw object of an unsupported type comes back exactly as Meta sent it (snake_case and all).
    expect(inbound[3]).toMatchObject({ type: 'unsupported', unsupported: true });
    expect(inbound[3].content.raw).toMatchObject({ type: 'unsupported', errors: [{ code: 131051 }] });
    expect(inbound[4]).toMatchObject({ type: 'order', unsupported: true });
    expect(inbound[4].content.raw.order).toEqual({
      catalog_id: 'cat-1',
      product_items: [{ product_retailer_id: 'sku-1', quantity: 2 }],
    });
    // The bot's replies are in the thread too.
    expect(all.items.some((m: { author: string }) => m.author === 'bot')).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const response = await get(
        `/api/v1/conversations/${id}/messages?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.statusCode).toBe(200);
      const body = response.json();
      seen.push(...body.items.map((m: { id: string }) => m.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all.items.map((m: { id: string }) => m.id));
    expect(
      (await get('/api/v1/conversations/7d1c3e0e-9b7a-4a53-9d55-2f1b3c4d5e6f/messages')).statusCode,
    ).toBe(404);
  });
});

describe('PUT /api/v1/conversations/{id}/ownership', () => {
  it('records an operator takeover, a pause and the hand-back, each with the user as actor', async () => {
    const id = conversations.get(CUSTOMERS[1]!)!;
    const takeover = await putOwnership(id, { ownership: 'human', reason: 'VIP customer' });
    expect(takeover.statusCode, takeover.body).toBe(200);
    expect(takeover.json()).toMatchObject({ ownership: 'human', pausedUntil: null });

    const until = new Date(Date.now() + 3_600_000).toISOString();
    const pause = await putOwnership(id, { ownership: 'paused', until });
    expect(pause.json()).toMatchObject({ ownership: 'paused', pausedUntil: until });
    expect((await putOwnership(id, { ownership: 'bot' })).json()).toMatchObject({ ownership: 'bot' });

    const events = await database.ownerDb
      .selectFrom('conversationOwnershipEvents')
      .select(['fromOwnership', 'toOwnership', 'actorType', 'actorUserId', 'reason', 'pausedUntil'])
      .where('conversationId', '=', id)
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      {
        fromOwnership: 'bot',
        toOwnership: 'human',
        actorType: 'user',
        actorUserId: agentMember.userId,
        reason: 'VIP customer',
        pausedUntil: null,
      },
      {
        fromOwnership: 'human',
        toOwnership: 'paused',
        actorType: 'user',
        actorUserId: agentMember.userId,
        reason: 'operator paused the bot',
        pausedUntil: new Date(until),
      },
      {
        fromOwnership: 'paused',
        toOwnership: 'bot',
        actorType: 'user',
        actorUserId: agentMember.userId,
        reason: 'operator handed back to the bot',
        pausedUntil: null,
      },
    ]);
  });

  it('refuses bad requests with 400 and changes nothing', async () => {
    const id = conversations.get(CUSTOMERS[2]!)!;
    for (const payload of [
      { ownership: 'robot' },
      { ownership: 'paused' },
      { ownership: 'paused', until: 'tomorrow' },
      { ownership: 'paused', until: new Date(Date.now() - 60_000).toISOString() },
      { ownership: 'human', reason: 'line\nbreak' },
      { ownership: 'human', reason: 'x'.repeat(501) },
      { ownership: 'human', extra: true },
    ]) {
      const response = await putOwnership(id, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.requestId).toEqual(expect.any(String));
    }
    expect((await get(`/api/v1/conversations/${id}`)).json().ownership).toBe('bot');
    expect(
      (await putOwnership('7d1c3e0e-9b7a-4a53-9d55-2f1b3c4d5e6f', { ownership: 'human' })).statusCode,
    ).toBe(404);
  });

  it('a pause whose time has passed reads as the bot again, recorded as the system ending it', async () => {
    const id = conversations.get(CUSTOMERS[2]!)!;
    await putOwnership(id, { ownership: 'paused', until: new Date(Date.now() + 60_000).toISOString() });
    await database.ownerDb
      .updateTable('conversations')
      .set({ pausedUntil: new Date(Date.now() - 1_000) })
      .where('id', '=', id)
      .execute();
    expect((await get(`/api/v1/conversations/${id}`)).json()).toMatchObject({
      ownership: 'bot',
      pausedUntil: null,
    });
    const last = await database.ownerDb
      .selectFrom('conversationOwnershipEvents')
      .select(['toOwnership', 'actorType', 'reason'])
      .where('conversationId', '=', id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(last).toEqual({ toOwnership: 'bot', actorType: 'system', reason: 'pause ended' });
  });
});

describe('API keys', () => {
  it('messages:read may read but not change ownership; messages:write may', async () => {
    const key = async (scopes: ('messages:read' | 'messages:write')[]) =>
      (
        await createApiKey(
          database.db,
          tenantId,
          { userId: owner.userId, apiKeyId: null, context: CONTEXT },
          { name: `key ${scopes.join(' ')}`, scopes, expiresAt: null },
        )
      ).key;
    const reader = { authorization: `Bearer ${await key(['messages:read'])}` };
    const writer = { authorization: `Bearer ${await key(['messages:write'])}` };
    const id = conversations.get(CUSTOMERS[0]!)!;

    expect((await get('/api/v1/conversations', reader)).statusCode).toBe(200);
    expect((await putOwnership(id, { ownership: 'human' }, reader)).statusCode).toBe(403);
    expect((await get('/api/v1/conversations', writer)).statusCode).toBe(403);
    const changed = await putOwnership(id, { ownership: 'human' }, writer);
    expect(changed.statusCode).toBe(200);
    expect(changed.json().ownership).toBe('human');
  });
});
