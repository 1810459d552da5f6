import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { publishInboxEvent } from '../../src/realtime/inbox-events.js';
import { messages, unixSeconds } from '../fakes/meta-webhook-client.js';
import { buildTestApp } from '../support/app.js';
import { deliverMessages, runProcessInbound } from '../support/inbound-pipeline.js';
import { listenToInbox, seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PHONE_NUMBER_ID = '106540352242931';
const APP_SECRET = 'app-secret-inbox-api-0123456789';
const CONTEXT = { requestId: 'inbox-api', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let admin: SignedInMember;
let agent: SignedInMember;
let otherAgent: SignedInMember;
let channelId: string;
let apiKey: string;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** Conversations by name, oldest activity first: Ada (60 min ago) ... Eve (10 min ago). */
const ids: Record<string, string> = {};
const contacts: Record<string, string> = {};

interface Item {
  id: string;
  status: string;
  ownership: string;
  unreadCount: number;
  assignee: { userId: string; email: string } | null;
  labels: Array<{ id: string; name: string; color: string }>;
  lastMessage: { preview: string | null; type: string; direction: string; author: string } | null;
  windowOpenUntil: string | null;
  contact: { displayName: string | null; email: string | null; company: string | null };
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Inbox API');
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  otherAgent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: admin.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Inbox line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3883',
      wabaId: '102290129340398',
      accessToken: 'EAAG-inbox-api-token',
      appSecret: APP_SECRET,
    },
  );
  channelId = channel.id;
  apiKey = (
    await createApiKey(
      database.db,
      tenantId,
      { userId: admin.userId, apiKeyId: null, context: CONTEXT },
      { name: 'inbox key', scopes: ['messages:read', 'messages:write'], expiresAt: null },
    )
  ).key;
  const people = [
    {
      name: 'Ada',
      phone: '+393331110001',
      extra: { firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines' },
    },
    { name: 'Bob', phone: '+393331110002', extra: { email: 'bob.builder@example.com' } },
    { name: 'Cy', phone: '+5511987650003', extra: { company: 'Tiles 100% Ltd' } },
    { name: 'Dee', phone: '+14155550004', extra: { lastName: 'Ramírez' } },
    { name: 'Eve', phone: '+393331110005', extra: {} },
  ];
  for (const [index, person] of people.entries()) {
    const minutes = 60 - index * 10;
    const seeded = await seedConversation(
      database.db,
      tenantId,
      channelId,
      { phoneE164: person.phone, displayName: `${person.name} WhatsApp`, ...person.extra },
      [
        { direction: 'inbound', text: `Hello from ${person.name}`, sentAt: minutesAgo(minutes + 2) },
        { direction: 'inbound', text: 'Second message', sentAt: minutesAgo(minutes + 1) },
        {
          direction: 'outbound',
          text: `Reply to ${person.name}  with   spaces ${'x'.repeat(200)}`,
          sentAt: minutesAgo(minutes),
        },
      ],
    );
    ids[person.name] = seeded.conversationId;
    contacts[person.name] = seeded.contactId;
  }
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function call(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  headers: Record<string, string>,
  payload?: object,
) {
  return app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
}

async function list(query: string, member: SignedInMember = agent): Promise<Item[]> {
  const response = await call('GET', `/api/v1/conversations?${query}`, member.headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

const names = (items: Item[]) =>
  items.map((item) => Object.keys(ids).find((name) => ids[name] === item.id) ?? item.id);

describe('the conversation list', () => {
  it('shows open conversations most recently active first, with preview, window and contact', async () => {
    const items = await list('');
    expect(names(items)).toEqual(['Eve', 'Dee', 'Cy', 'Bob', 'Ada']);
    const eve = items[0] as Item;
    expect(eve).toMatchObject({
      status: 'open',
      ownership: 'bot',
      assignee: null,
      labels: [],
      unreadCount: 2,
      lastMessage: { type: 'text', direction: 'outbound', author: 'operator' },
      contact: { displayName: 'Eve WhatsApp' },
    });
    expect(eve.lastMessage?.preview).toBe(`Reply to Eve with spaces ${'x'.repeat(200)}`.slice(0, 140));
    expect(Date.parse(eve.windowOpenUntil ?? '')).toBeGreaterThan(Date.now() + 23 * 3600_000);
  });

  it('pages with a keyset cursor without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(
        'GET',
        `/api/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        agent.headers,
      );
      const body = response.json();
      seen.push(...names(body.items));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['Eve', 'Dee', 'Cy', 'Bob', 'Ada']);
  });

  it('filters: closed, mine, unassigned, bot and human (with paused) and by ownership and label', async () => {
    await call('PUT', `/api/v1/conversations/${ids.Ada}/status`, agent.headers, { status: 'closed' });
    await call('PUT', `/api/v1/conversations/${ids.Bob}/assignee`, agent.headers, { userId: agent.userId });
    await call('PUT', `/api/v1/conversations/${ids.Cy}/assignee`, agent.headers, {
      userId: otherAgent.userId,
    });
    await call('PUT', `/api/v1/conversations/${ids.Dee}/ownership`, agent.headers, { ownership: 'human' });
    await call('PUT', `/api/v1/conversations/${ids.Eve}/ownership`, agent.headers, {
      ownership: 'paused',
      until: new Date(Date.now() + 3600_000).toISOString(),
    });
    const label = (
      await call('POST', '/api/v1/labels', admin.headers, { name: 'VIP', color: '#AA0000' })
    ).json();
    await call('PUT', `/api/v1/conversations/${ids.Cy}/labels`, agent.headers, { labelIds: [label.id] });
    try {
      expect(names(await list('filter=open'))).toEqual(['Eve', 'Dee', 'Cy', 'Bob']);
      expect(names(await list('filter=closed'))).toEqual(['Ada']);
      expect(names(await list('filter=mine'))).toEqual(['Bob']);
      expect(names(await list('filter=mine', otherAgent))).toEqual(['Cy']);
      expect(names(await list('filter=unassigned'))).toEqual(['Eve', 'Dee']);
      expect(names(await list('filter=bot'))).toEqual(['Cy', 'Bob']);
      expect(names(await list('filter=human'))).toEqual(['Eve', 'Dee']);
      expect(names(await list('ownership=human'))).toEqual(['Dee']);
      expect(names(await list(`labelId=${label.id}`))).toEqual(['Cy']);
      expect((await list(`labelId=${label.id}`))[0]?.labels).toEqual([
        { id: label.id, name: 'VIP', color: '#aa0000' },
      ]);
      const mine = (await list('filter=mine'))[0];
      expect(mine?.assignee).toMatchObject({ userId: agent.userId, email: expect.stringContaining('@') });
    } finally {
      await call('PUT', `/api/v1/conversations/${ids.Ada}/status`, agent.headers, { status: 'open' });
      for (const name of ['Bob', 'Cy']) {
        await call('PUT', `/api/v1/conversations/${ids[name]}/assignee`, agent.headers, { userId: null });
      }
      for (const name of ['Dee', 'Eve']) {
        await call('PUT', `/api/v1/conversations/${ids[name]}/ownership`, agent.headers, {
          ownership: 'bot',
        });
      }
      await app.inject({ method: 'DELETE', url: `/api/v1/labels/${label.id}`, headers: admin.headers });
    }
  });

  it('an API key cannot ask for "mine" (it is nobody), and its unread counts are 0', async () => {
    const mine = await app.inject({
      method: 'GET',
      url: '/api/v1/conversations?filter=mine',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(mine.statusCode).toBe(400);
    const all = await app.inject({
      method: 'GET',
      url: '/api/v1/conversations',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(all.json().items.map((item: Item) => item.unreadCount)).toEqual([0, 0, 0, 0, 0]);
  });

  it('refuses unknown filters and malformed search text with 400', async () => {
    for (const query of ['filter=everything', `q=${'a'.repeat(101)}`, 'q=a%07b', 'q=', 'labelId=nope']) {
      const response = await call('GET', `/api/v1/conversations?${query}`, agent.headers);
      expect(response.statusCode, query).toBe(400);
    }
  });
});

describe('search', () => {
  it.each([
    ['display name', 'eve whatsapp', ['Eve']],
    ['first name', 'LOVELACE', ['Ada']],
    ['last name with an accent', 'ramírez', ['Dee']],
    ['e-mail', 'builder@example', ['Bob']],
    ['company', 'analytical', ['Ada']],
    ['phone digits', '331110005', ['Eve']],
    ['phone with + and spaces', '+55 11 98765', ['Cy']],
    ['phone shared prefix', '39333111', ['Eve', 'Bob', 'Ada']],
    ['a LIKE wildcard, literally', '100%', ['Cy']],
    ['an underscore, literally', 'bob_builder', []],
    ['nothing', 'zebra', []],
  ])('finds by %s', async (_label, q, expected) => {
    expect(names(await list(`q=${encodeURIComponent(q)}`))).toEqual(expected);
  });

  it('combines with filters and pages', async () => {
    await call('PUT', `/api/v1/conversations/${ids.Eve}/status`, agent.headers, { status: 'closed' });
    try {
      expect(names(await list('q=39333111&filter=closed'))).toEqual(['Eve']);
      const first = await call('GET', '/api/v1/conversations?q=39333111&limit=1', agent.headers);
      const second = await call(
        'GET',
        `/api/v1/conversations?q=39333111&limit=1&cursor=${first.json().nextCursor}`,
        agent.headers,
      );
      expect(names([...first.json().items, ...second.json().items])).toEqual(['Bob', 'Ada']);
      expect(second.json().nextCursor).toBeNull();
    } finally {
      await call('PUT', `/api/v1/conversations/${ids.Eve}/status`, agent.headers, { status: 'open' });
    }
  });
});

describe('read marks and unread counts', () => {
  it('are per user: reading clears it for the reader only; a new inbound message counts again', async () => {
    const before = await call('GET', `/api/v1/conversations/${ids.Bob}`, agent.headers);
    expect(before.json().unreadCount).toBe(2);
    const read = await call('POST', `/api/v1/conversations/${ids.Bob}/read`, agent.headers);
    expect(read.statusCode).toBe(204);
    expect((await call('GET', `/api/v1/conversations/${ids.Bob}`, agent.headers)).json().unreadCount).toBe(0);
    expect(
      (await call('GET', `/api/v1/conversations/${ids.Bob}`, otherAgent.headers)).json().unreadCount,
    ).toBe(2);
    await seedConversation(database.db, tenantId, channelId, { phoneE164: '+393331110002' }, [
      { direction: 'inbound', text: 'One more thing', sentAt: new Date() },
    ]);
    expect((await call('GET', `/api/v1/conversations/${ids.Bob}`, agent.headers)).json().unreadCount).toBe(1);
    expect(
      (await call('GET', `/api/v1/conversations/${ids.Bob}`, otherAgent.headers)).json().unreadCount,
    ).toBe(3);
  });

  it('API keys have no read marks (403), unknown conversations 404', async () => {
    const byKey = await app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${ids.Bob}/read`,
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(byKey.statusCode).toBe(403);
    const unknown = await call('POST', `/api/v1/conversations/${crypto.randomUUID()}/read`, agent.headers);
    expect(unknown.statusCode).toBe(404);
  });
});

describe('the thread', () => {
  it('pages newest first with order=desc, and oldest first by default', async () => {
    const first = (
      await call('GET', `/api/v1/conversations/${ids.Ada}/messages?order=desc&limit=2`, agent.headers)
    ).json();
    expect(first.items.map((m: { text: string }) => m.text.slice(0, 8))).toEqual(['Reply to', 'Second m']);
    const second = (
      await call(
        'GET',
        `/api/v1/conversations/${ids.Ada}/messages?order=desc&limit=2&cursor=${first.nextCursor}`,
        agent.headers,
      )
    ).json();
    expect(second.items.map((m: { text: string }) => m.text)).toEqual(['Hello from Ada']);
    expect(second.nextCursor).toBeNull();
    const asc = (await call('GET', `/api/v1/conversations/${ids.Ada}/messages`, agent.headers)).json();
    expect(asc.items.map((m: { text: string }) => m.text.slice(0, 8))).toEqual([
      'Hello fr',
      'Second m',
      'Reply to',
    ]);
  });
});

describe('status', () => {
  it('closes and reopens; a customer message reopens a closed conversation', async () => {
    const customer = '393331110099';
    const deliver = async (body: string) => {
      const status = await deliverMessages(
        { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET },
        [messages.text({ from: customer, body, timestamp: unixSeconds() })],
      );
      expect(status).toBe(200);
      await runProcessInbound(database.db, tenantId, channelId, customer);
    };
    await deliver('Hello');
    const id = (await list('q=393331110099'))[0]?.id as string;
    const closed = await call('PUT', `/api/v1/conversations/${id}/status`, agent.headers, {
      status: 'closed',
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().status).toBe('closed');
    await deliver('Are you there?');
    expect((await call('GET', `/api/v1/conversations/${id}`, agent.headers)).json().status).toBe('open');
  });

  it('refuses an unknown status with 400', async () => {
    const response = await call('PUT', `/api/v1/conversations/${ids.Ada}/status`, agent.headers, {
      status: 'snoozed',
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('assignment', () => {
  it('assigns to a member (audited), refuses a non-member with 422 not_a_member, unassigns with null', async () => {
    const assigned = await call('PUT', `/api/v1/conversations/${ids.Dee}/assignee`, agent.headers, {
      userId: otherAgent.userId,
    });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json().assignee.userId).toBe(otherAgent.userId);
    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'detail'])
      .where('tenantId', '=', tenantId)
      .where('action', '=', 'conversation.assigned')
      .execute();
    expect(audit).toContainEqual({
      action: 'conversation.assigned',
      actorUserId: agent.userId,
      detail: { conversationId: ids.Dee, assigneeUserId: otherAgent.userId, previousAssigneeUserId: null },
    });

    const outsiderTenant = await newTenant(database.db, 'Elsewhere');
    const outsider = await signedInMember(database.db, config, { tenantId: outsiderTenant, role: 'agent' });
    for (const userId of [outsider.userId, crypto.randomUUID()]) {
      const refused = await call('PUT', `/api/v1/conversations/${ids.Dee}/assignee`, agent.headers, {
        userId,
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.code).toBe('not_a_member');
    }
    const unassigned = await call('PUT', `/api/v1/conversations/${ids.Dee}/assignee`, agent.headers, {
      userId: null,
    });
    expect(unassigned.json().assignee).toBeNull();
    const malformed = await call('PUT', `/api/v1/conversations/${ids.Dee}/assignee`, agent.headers, {
      userId: 'me',
    });
    expect(malformed.statusCode).toBe(400);
  });
});

describe('private notes', () => {
  it('are listed with their author, never among the messages, and never queue a send', async () => {
    const created = await call('POST', `/api/v1/conversations/${ids.Cy}/notes`, agent.headers, {
      text: 'Customer is <b>angry</b>\nCall back tomorrow',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      conversationId: ids.Cy,
      authorUserId: agent.userId,
      authorEmail: expect.stringContaining('@'),
      text: 'Customer is <b>angry</b>\nCall back tomorrow',
    });
    const notes = (await call('GET', `/api/v1/conversations/${ids.Cy}/notes`, agent.headers)).json();
    expect(notes.items.map((note: { id: string }) => note.id)).toEqual([created.json().id]);
    const thread = (await call('GET', `/api/v1/conversations/${ids.Cy}/messages`, agent.headers)).json();
    expect(JSON.stringify(thread)).not.toContain('angry');
    const jobs = await database.ownerDb
      .selectFrom('graphile_worker._private_jobs' as 'messages')
      .selectAll()
      .execute();
    expect(JSON.stringify(jobs)).not.toContain('angry');
  });

  it('refuse empty, whitespace-only, over-long and control-character texts with 400', async () => {
    for (const text of ['', '   ', 'x'.repeat(4097), 'bell\u0007']) {
      const response = await call('POST', `/api/v1/conversations/${ids.Cy}/notes`, agent.headers, { text });
      expect(response.statusCode, JSON.stringify(text)).toBe(400);
    }
  });
});

describe('live events', () => {
  it('are published at commit for status, assignment, labels, read marks and notes', async () => {
    const listener = await listenToInbox(database.appUrl);
    try {
      await call('PUT', `/api/v1/conversations/${ids.Ada}/status`, agent.headers, { status: 'closed' });
      await listener.waitFor(
        (n) => n.event.type === 'conversation.updated' && n.event.conversationId === ids.Ada,
      );
      const note = (
        await call('POST', `/api/v1/conversations/${ids.Ada}/notes`, agent.headers, { text: 'Noted' })
      ).json();
      const published = await listener.waitFor((n) => n.event.type === 'note.created');
      expect(published).toEqual({
        tenantId,
        event: { type: 'note.created', conversationId: ids.Ada, noteId: note.id },
      });
      await call('PUT', `/api/v1/conversations/${ids.Ada}/status`, agent.headers, { status: 'open' });
    } finally {
      await listener.close();
    }
  });

  it('are not published when the transaction rolls back, nor for a refused change', async () => {
    const listener = await listenToInbox(database.appUrl);
    try {
      await withTenant(database.db, tenantId, async (trx) => {
        await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: ids.Bob as string });
        throw new Error('roll back');
      }).catch(() => undefined);
      const refused = await call('PUT', `/api/v1/conversations/${ids.Bob}/assignee`, agent.headers, {
        userId: crypto.randomUUID(),
      });
      expect(refused.statusCode).toBe(422);
      // A committed marker after both: had either been published, it would have arrived before this one.
      await withTenant(database.db, tenantId, (trx) =>
        publishInboxEvent(trx, { type: 'conversation.updated', conversationId: ids.Eve as string }),
      );
      await listener.waitFor(
        (n) => n.event.type === 'conversation.updated' && n.event.conversationId === ids.Eve,
      );
      expect(
        listener.received.filter((n) => 'conversationId' in n.event && n.event.conversationId === ids.Bob),
      ).toEqual([]);
    } finally {
      await listener.close();
    }
  });
});
