import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCalendar } from '../../src/business-hours/business-hours.repository.js';
import { ZBusinessHours } from '../../src/business-hours/calendar.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { rollUpWorkspace } from '../../src/reports/rollup.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Reports (ADR 0047): conversations written into the database as they would be after real work, rolled up,
 * then read through the API. Every figure is worked out by hand from the timeline below.
 */
const CONTEXT = { requestId: 'reports', ip: '127.0.0.1', userAgent: 'vitest' };
// Wednesday 10 June 2026, 08:00 UTC = 10:00 in Rome.
const T0 = Date.UTC(2026, 5, 10, 8, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const RANGE = `from=${encodeURIComponent(at(-60).toISOString())}&to=${encodeURIComponent(at(24 * 60).toISOString())}`;

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let owner: SignedInMember;
let agentMember: SignedInMember;
let otherOwner: SignedInMember;
const conversationIds: string[] = [];

async function addConversation(options: {
  phone: string;
  channelId: string;
  startMinute: number;
  messages: [minute: number, author: 'customer' | 'bot' | 'operator', userId?: string][];
  handoffMinute?: number;
  qualifiedMinute?: number;
  quote?: { sentMinute: number; acceptedMinute?: number };
}) {
  const { ownerDb } = database;
  const contact = await sql<{ id: string }>`
    insert into contacts (tenant_id, phone_e164, first_name, last_name, profile_completed_at)
    values (${tenantId}, ${options.phone}, 'Anna', 'Rossi',
      ${options.qualifiedMinute === undefined ? null : at(options.qualifiedMinute)}) returning id`.execute(
    ownerDb,
  );
  const contactId = contact.rows[0]!.id;
  const conversation = await sql<{ id: string }>`
    insert into conversations (tenant_id, channel_id, contact_id, created_at, last_message_at)
    values (${tenantId}, ${options.channelId}, ${contactId}, ${at(options.startMinute)}, ${at(options.startMinute)})
    returning id`.execute(ownerDb);
  const conversationId = conversation.rows[0]!.id;
  for (const [index, [minute, author, userId]] of options.messages.entries()) {
    await sql`
      insert into messages (tenant_id, conversation_id, channel_id, direction, author, author_user_id, type,
        content, sent_at, created_at, provider_message_id, status)
      values (${tenantId}, ${conversationId}, ${options.channelId},
        ${author === 'customer' ? 'inbound' : 'outbound'}, ${author}, ${userId ?? null}, 'text', '{}',
        ${at(minute)}, now(), ${`wamid.reports.${conversationId}.${index}`},
        ${author === 'customer' ? null : 'delivered'})`.execute(ownerDb);
  }
  if (options.handoffMinute !== undefined) {
    await sql`
      insert into conversation_ownership_events (tenant_id, conversation_id, from_ownership, to_ownership,
        actor_type, reason, created_at)
      values (${tenantId}, ${conversationId}, 'bot', 'human', 'agent', 'handoff', ${at(options.handoffMinute)})`.execute(
      ownerDb,
    );
  }
  if (options.quote) {
    const quote = await sql<{ id: string }>`
      insert into quotes (tenant_id, number, contact_id, conversation_id, created_at)
      values (${tenantId}, ${`Q-${conversationIds.length}`}, ${contactId}, ${conversationId}, ${at(options.quote.sentMinute - 1)})
      returning id`.execute(ownerDb);
    const version = await sql<{ id: string }>`
      insert into quote_versions (tenant_id, quote_id, version, status, currency, locale, valid_until,
        subtotal_minor, discount_minor, tax_minor, total_minor, sent_at)
      values (${tenantId}, ${quote.rows[0]!.id}, 1, ${options.quote.acceptedMinute === undefined ? 'sent' : 'accepted'},
        'EUR', 'it', '2026-07-10', 1000, 0, 220, 1220, ${at(options.quote.sentMinute)})
      returning id`.execute(ownerDb);
    if (options.quote.acceptedMinute !== undefined) {
      await sql`
        insert into quote_decisions (tenant_id, quote_version_id, decision, decided_at)
        values (${tenantId}, ${version.rows[0]!.id}, 'accepted', ${at(options.quote.acceptedMinute)})`.execute(
        ownerDb,
      );
    }
  }
  conversationIds.push(conversationId);
  return conversationId;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Reports');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  agentMember = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  otherOwner = await signedInMember(database.db, config, {
    tenantId: await newTenant(database.db, 'Reports elsewhere'),
    role: 'owner',
  });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Reports line',
      phoneNumberId: '106540352242931',
      displayPhoneNumber: '+1 555 078 3891',
      wabaId: '102290129340398',
      accessToken: 'EAAG-reports',
      appSecret: 'app-secret-reports-0123456789',
    },
  );
  // 1: the bot answers in 30 s, hands over at 2 min, the owner answers at 5 min; qualified at 3 min,
  //    quoted at 10 min, accepted at 20 min.
  await addConversation({
    phone: '+393330000101',
    channelId: channel.id,
    startMinute: 0,
    messages: [
      [0, 'customer'],
      [0.5, 'bot'],
      [1, 'customer'],
      [5, 'operator', owner.userId],
      [6, 'customer'],
      [8, 'operator', owner.userId],
    ],
    handoffMinute: 2,
    qualifiedMinute: 3,
    quote: { sentMinute: 10, acceptedMinute: 20 },
  });
  // 2: the bot answers in 90 s; qualified at 30 min; quoted, not accepted. No person.
  await addConversation({
    phone: '+393330000102',
    channelId: channel.id,
    startMinute: 60,
    messages: [
      [60, 'customer'],
      [61.5, 'bot'],
    ],
    qualifiedMinute: 90,
    quote: { sentMinute: 100 },
  });
  // 3: the agent member answers a customer who wrote twice (10 min after the first message), no bot.
  await addConversation({
    phone: '+393330000103',
    channelId: channel.id,
    startMinute: 120,
    messages: [
      [120, 'customer'],
      [125, 'customer'],
      [130, 'operator', agentMember.userId],
    ],
  });
  // 4: outside the range (the day before).
  await addConversation({
    phone: '+393330000104',
    channelId: channel.id,
    startMinute: -24 * 60,
    messages: [[-24 * 60, 'customer']],
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function get(url: string, member: SignedInMember = owner) {
  return app.inject({ method: 'GET', url, headers: member.headers });
}

describe('the reports summary', () => {
  it('counts conversations per day, response times, the funnel and members from the rolled-up facts', async () => {
    const response = await get(`/api/v1/reports/summary?${RANGE}&timeZone=Europe/Rome`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.volume).toEqual([{ day: '2026-06-10', channelKind: 'whatsapp', conversations: 3 }]);
    // Bot: 30 s and 90 s. People: 3 min after the handoff (conversation 1) and 10 min (conversation 3).
    expect(body.responseTimes.bot).toMatchObject({ count: 2, p50Seconds: 60, averageSeconds: 60 });
    expect(body.responseTimes.human).toMatchObject({ count: 2, p50Seconds: 390, averageSeconds: 390 });
    // Qualified 3 min and 30 min after the start.
    expect(body.responseTimes.qualification).toMatchObject({ count: 2, p50Seconds: 990 });
    expect(body.funnel).toEqual([
      { step: 'started', conversations: 3, rateFromPrevious: null, rateFromStart: 1 },
      { step: 'qualified', conversations: 2, rateFromPrevious: 2 / 3, rateFromStart: 2 / 3 },
      { step: 'quoted', conversations: 2, rateFromPrevious: 1, rateFromStart: 2 / 3 },
      { step: 'accepted', conversations: 1, rateFromPrevious: 0.5, rateFromStart: 1 / 3 },
    ]);
    // The owner answered twice in one conversation (4 min after the customer's 1-min message, 2 min after
    // the 6-min one); the agent once (10 min after the first of two messages).
    const members = Object.fromEntries(body.members.map((m: { userId: string }) => [m.userId, m])) as Record<
      string,
      Record<string, unknown>
    >;
    expect(members[owner.userId]).toMatchObject({
      conversations: 1,
      messages: 2,
      replies: 2,
      averageResponseSeconds: 180,
    });
    expect(members[agentMember.userId]).toMatchObject({
      conversations: 1,
      messages: 1,
      replies: 1,
      p50ResponseSeconds: 600,
    });
  });

  it('counts response times in business hours when asked', async () => {
    // Open 10:00–10:03 and 12:00–18:00 in Rome on weekdays: the 5-minute wait of conversation 1 (10:02 →
    // 10:05) has 1 open minute; the agent's 10 minutes (12:00 → 12:10) are all open.
    const interval = [
      { start: '10:00', end: '10:03' },
      { start: '12:00', end: '18:00' },
    ];
    await withTenant(database.db, tenantId, (trx) =>
      saveCalendar(
        trx,
        null,
        ZBusinessHours.parse({
          timeZone: 'Europe/Rome',
          weekly: { mon: interval, tue: interval, wed: interval },
        }),
      ),
    );
    // The calendar changes no message: refresh every conversation as the job would after a change.
    await sql`delete from report_rollup_state`.execute(database.ownerDb);
    await rollUpWorkspace((work) => withTenant(database.db, tenantId, work));
    const response = await get(`/api/v1/reports/summary?${RANGE}&businessHours=true`);
    expect(response.statusCode, response.body).toBe(200);
    const human = response.json().responseTimes.human;
    expect(human).toMatchObject({ count: 2, averageSeconds: 330 });
  });

  it('lists the conversations behind a figure, keyset-paged', async () => {
    const first = await get(`/api/v1/reports/conversations?${RANGE}&step=quoted&limit=1`);
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(1);
    expect(page1.items[0]).toMatchObject({ conversationId: conversationIds[1], phoneE164: '+393330000102' });
    const second = await get(
      `/api/v1/reports/conversations?${RANGE}&step=quoted&limit=1&cursor=${page1.nextCursor}`,
    );
    const page2 = second.json();
    expect(page2.items.map((row: { conversationId: string }) => row.conversationId)).toEqual([
      conversationIds[0],
    ]);
    expect(page2.nextCursor).toBeNull();
    const byMember = await get(
      `/api/v1/reports/conversations?${RANGE}&memberId=${agentMember.userId}&day=2026-06-10&timeZone=Europe/Rome`,
    );
    expect(byMember.json().items.map((row: { conversationId: string }) => row.conversationId)).toEqual([
      conversationIds[2],
    ]);
  });

  it('exports the summary as CSV', async () => {
    const response = await get(`/api/v1/reports/export?${RANGE}&timeZone=Europe/Rome`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('text/csv');
    const lines = response.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('section,key,channel,value,rate,p50_response_seconds');
    expect(lines).toContain('conversations,2026-06-10,whatsapp,3,,');
    expect(lines).toContain('funnel,accepted,,1,0.3333,');
  });

  it('shows another workspace none of these conversations', async () => {
    const response = await get(`/api/v1/reports/summary?${RANGE}`, otherOwner);
    expect(response.statusCode).toBe(200);
    expect(response.json().funnel[0].conversations).toBe(0);
    const list = await get(`/api/v1/reports/conversations?${RANGE}`, otherOwner);
    expect(list.json().items).toEqual([]);
  });

  it('is for owners and admins', async () => {
    expect((await get(`/api/v1/reports/summary?${RANGE}`, agentMember)).statusCode).toBe(403);
  });

  it.each([
    ['a reversed range', `from=${at(10).toISOString()}&to=${at(0).toISOString()}`],
    ['a range over 400 days', `from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`],
    ['a date that is not one', 'from=2026-02-31T00:00:00Z'],
    ['an unknown time zone', 'timeZone=Mars/Olympus'],
    ['an unknown channel', 'channel=fax'],
    ['an unknown parameter', 'format=xml'],
    ['a SQL fragment as a channel', "channel=whatsapp'%20or%201=1--"],
  ])('refuses %s with a 400', async (_name, query) => {
    const response = await get(`/api/v1/reports/summary?${query}`);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBeDefined();
  });

  it.each([
    ['a forged cursor', 'cursor=bm90LWEtY3Vyc29y'],
    ['a member id that is not a uuid', 'memberId=1%20or%201=1'],
    ['a limit over 100', 'limit=1000'],
    ['an unknown step', 'step=paid'],
  ])('refuses %s in the drill-down with a 400', async (_name, query) => {
    const response = await get(`/api/v1/reports/conversations?${query}`);
    expect(response.statusCode, response.body).toBe(400);
  });
});
