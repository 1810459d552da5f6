import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { recordAudit } from '../../src/audit/audit.repository.js';
import { createRule } from '../../src/automations/automations.service.js';
import { createCampaign } from '../../src/campaigns/campaigns.service.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import { addNote } from '../../src/conversations/inbox-actions.service.js';
import { notify } from '../../src/notifications/notify.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { submitForApproval } from '../../src/quotes/approval.service.js';
import { createCatalogItem } from '../../src/quotes/catalog/catalog.service.js';
import { changeQuoteSettings } from '../../src/quotes/quote-settings.js';
import { createQuote } from '../../src/quotes/quotes.service.js';
import { createSegment } from '../../src/segments/segments.service.js';
import { type FakeTwilio, startFakeTwilio } from '../fakes/twilio.js';
import { addDeadLetter } from '../fixtures/dead-letters.js';
import { buildTestApp } from '../support/app.js';
import {
  type CallbackSeeding,
  callbackSeedingEnv,
  createCallbackSeeding,
} from '../support/callback-seeding.js';
import { seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Crafted pagination cursors against every list endpoint the app serves (found in its route table, so a
 * new list endpoint is fuzzed without being added here): none may answer 500, whatever the cursor.
 */

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let owner: SignedInMember;
let fakeTwilio: FakeTwilio;
let callbackSeeding: CallbackSeeding;
/** Real ids for path parameters, by the path segment before them (`/conversations/:id/...`). */
const fixtureIds = new Map<string, string>();
const CURSORS_PER_ROUTE = 120;
const CONTEXT = { requestId: 'cursor-fuzz', ip: '127.0.0.1', userAgent: 'vitest' };

// A seeded generator: a failure names its seed and can be replayed.
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
let state = SEED;
const random = () => {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
  return state / 2_147_483_648;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const digits = (length: number) =>
  Array.from({ length }, (_, i) => String(Math.floor(random() * 10) || (i === 0 ? 1 : 0))).join('');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

const TIMES = [
  '-004714-11-24T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '+294277-01-01T00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-31T00:00:00.000Z',
  '2026-13-01T00:00:00.000Z',
  '1970-01-01T00:00:00.000Z',
  '2026-12-06T10:00:00Z',
  '2026-12-06T10:00:00.000+05:00',
  '4713-01-01 BC',
  'infinity',
  '-infinity',
  'NaN',
  '1e400',
  String(Number.MAX_SAFE_INTEGER),
  '',
];
const IDS = [
  randomUUID(),
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '9999999999999999999',
  '-1',
  '0',
  'null',
  "1' or '1'='1",
  '',
  '😀',
];
const UNICODE = ['é', '😀', '\u202e', '\u0000', 'ｃｕｒｓｏｒ', '\ud800', '𝕏'];

function craftedCursor(realCursors: readonly string[]): string {
  switch (Math.floor(random() * 10)) {
    case 0:
      return b64(`${pick(TIMES)}|${pick(IDS)}`);
    case 1:
      return digits(1 + Math.floor(random() * 30));
    case 2:
      return randomBytes(1 + Math.floor(random() * 60)).toString('base64url');
    case 3:
      return b64(
        pick([
          JSON.stringify({ at: pick(TIMES), id: pick(IDS) }),
          JSON.stringify([pick(TIMES), pick(IDS)]),
          'null',
          '{}',
          `${pick(TIMES)}|${pick(IDS)}|extra`,
          `|${pick(IDS)}`,
        ]),
      );
    case 4:
      return pick(UNICODE).repeat(1 + Math.floor(random() * 5));
    case 5:
      return b64(`${pick(TIMES)}|${pick(UNICODE)}`);
    case 6: {
      // A real cursor with one character changed, cut short, or lengthened.
      const real = pick(realCursors);
      const at = Math.floor(random() * real.length);
      const char = pick([...'AZaz09-_=+/.%']);
      return pick([`${real.slice(0, at)}${char}${real.slice(at + 1)}`, real.slice(0, at), `${real}${char}`]);
    }
    case 7:
      return 'A'.repeat(1 + Math.floor(random() * 400));
    case 8:
      return b64(`${digits(7)}-01-01T00:00:00.000Z|${randomUUID()}`);
    default:
      return pick(['%', '%zz', ' ', '../../etc/passwd', '[]', 'cursor[]=1', digits(19), digits(20)]);
  }
}

function urlFor(route: string, cursor: string): string {
  const path = route.replace(/\/([^/]+)\/:[A-Za-z]+/g, (_whole, resource: string) => {
    return `/${resource}/${fixtureIds.get(resource) ?? randomUUID()}`;
  });
  // Every byte percent-encoded (a lone surrogate arrives as U+FFFD's bytes, as a client would send it).
  const encoded = [...Buffer.from(cursor, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`);
  return `${path}?limit=1&cursor=${encoded.join('')}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  fakeTwilio = await startFakeTwilio();
  ({ app, config } = await buildTestApp({
    database,
    env: { ...callbackSeedingEnv(fakeTwilio), OUTBOUND_ALLOW_PRIVATE_HOSTS: fakeTwilio.hostPort },
  }));
  const tenantId = await newTenant(database.db);
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  await signedInMember(database.db, config, { tenantId, role: 'agent' });
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  for (const n of [1, 2]) {
    const { channel } = await createChannel(database.db, config, tenantId, actor, {
      name: `Line ${n}`,
      phoneNumberId: `31000000000${n}`,
      displayPhoneNumber: '+1 555 000 0000',
      wabaId: '102290129340398',
      accessToken: 'EAAG-fuzz-token',
      appSecret: 'fuzz-app-secret',
    });
    const seeded = await seedConversation(database.db, tenantId, channel.id, { phoneE164: '+393330000001' }, [
      { direction: 'inbound', text: 'hello', sentAt: new Date(Date.now() - 60_000) },
      { direction: 'inbound', text: 'again', sentAt: new Date() },
    ]);
    fixtureIds.set('conversations', seeded.conversationId);
    fixtureIds.set('contacts', seeded.contactId);
    await addNote(database.db, tenantId, actor, seeded.conversationId, `Note ${n}`);
    await addNote(database.db, tenantId, actor, seeded.conversationId, `Note ${n}b`);
    await createApiKey(database.db, tenantId, actor, {
      name: `Key ${n}`,
      scopes: ['admin'],
      expiresAt: null,
    });
  }
  // A second contact: the contacts list has two pages at limit 1.
  await withTenant(database.db, tenantId, (trx) => upsertContact(trx, { phoneE164: '+393330000002' }));
  // Two campaigns, the first with two recipients: the campaigns and recipients lists have two pages.
  const lemlist = {
    channelKind: 'lemlist',
    channelId: null,
    segmentId: null,
    replyHandling: 'bot',
    quietHours: null,
  } as const;
  const campaigns: Array<{ id: string }> = [];
  for (const n of [1, 2]) {
    campaigns.push(
      await createCampaign(database.db, tenantId, actor, {
        ...lemlist,
        name: `Fuzz campaign ${n}`,
        content: { variants: [], lemlistCampaignId: `cam_fuzz${n}` },
      }),
    );
  }
  fixtureIds.set('campaigns', campaigns[0]?.id as string);
  await withTenant(database.db, tenantId, async (trx) => {
    const contacts = await trx.selectFrom('contacts').select('id').execute();
    await trx
      .insertInto('campaignRecipients')
      .values(contacts.map((contact) => ({ campaignId: campaigns[0]?.id as string, contactId: contact.id })))
      .execute();
  });
  // Two uploaded contact imports: the imports list has two pages too.
  for (const n of [1, 2]) {
    await withTenant(database.db, tenantId, (trx) =>
      trx
        .insertInto('contactImports')
        .values({
          fileName: `fuzz-${n}.csv`,
          blobParts: [`imports/fuzz-${n}`],
          sizeBytes: 10,
          encoding: 'utf-8',
          delimiter: ',',
          headers: JSON.stringify(['phone']),
        })
        .execute(),
    );
  }
  // Two segments: the segments list has two pages at limit 1.
  for (const n of [1, 2]) {
    await createSegment(database.db, tenantId, actor, { name: `Fuzz segment ${n}`, filter: {} });
  }
  for (let i = 0; i < 3; i++)
    await recordAudit(database.db, { tenantId, action: 'fuzz.seed', context: CONTEXT });
  // Catalog items, quotes and quotes pending approval: two of each.
  await changeQuoteSettings(database.db, tenantId, actor, { currency: 'EUR' });
  for (const n of [1, 2]) {
    const item = await createCatalogItem(database.db, tenantId, actor, {
      sku: `FUZZ-${n}`,
      name: `Fuzz ${n}`,
      unitPriceMinor: 1000 * n,
    });
    const { quote } = await createQuote(database.db, tenantId, actor, {
      lines: [{ catalogItemId: item.id, quantity: '1' }],
    });
    await submitForApproval(database.db, tenantId, actor, quote.id, 1);
    await addDeadLetter(database, tenantId, { marker: `fuzz ${n}` });
  }
  // Two automation rules, and two runs of one of them: both lists have two pages.
  const contactIds = await withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('contacts').select('id').orderBy('id').limit(2).execute(),
  );
  for (const n of [1, 2]) {
    const rule = await createRule(database.db, tenantId, actor, {
      name: `Fuzz rule ${n}`,
      trigger: { type: 'silence', lastMessage: 'outbound', hours: 24 },
      segmentId: null,
      actions: [{ type: 'send_sms', text: 'Hello again' }],
      dailyCap: 100,
    });
    fixtureIds.set('automations', rule.id);
  }
  await withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('automationRuns')
      .values(
        contactIds.map(({ id }) => ({
          ruleId: fixtureIds.get('automations') as string,
          contactId: id,
          windowKey: 'fuzz',
        })),
      )
      .execute(),
  );
  // Two notifications for the owner: their list has two pages at limit 1.
  for (const n of [1, 2]) {
    await withTenant(database.db, tenantId, (trx) =>
      notify(trx, {
        kind: 'automation',
        userIds: [owner.userId],
        subject: { type: 'contact', id: fixtureIds.get('contacts') as string },
        title: `Fuzz notification ${n}`,
        dedupeKey: `fuzz:${n}`,
      }),
    );
  }
  // Twilio connected, a widget and a call-back, then a second widget and a second call-back.
  callbackSeeding = createCallbackSeeding({ database, app, config, twilio: fakeTwilio, context: CONTEXT });
  await callbackSeeding.seedCallbacks(tenantId, owner, 'Fuzz');
  await callbackSeeding.newWidget(tenantId, owner, 'Fuzz widget 2');
  await callbackSeeding.newCallback(tenantId);
});

afterAll(async () => {
  await app?.close();
  await callbackSeeding?.close();
  await fakeTwilio?.close();
  await database?.drop();
});

describe('pagination cursors', () => {
  it('finds the list endpoints in the route table', () => {
    const urls = app.pagedRoutes().map((route) => route.url);
    for (const known of [
      '/api/v1/conversations',
      '/api/v1/audit-log',
      '/api/v1/conversations/:id/messages',
      '/api/v1/segments',
    ]) {
      expect(urls).toContain(known);
    }
  });

  it(`never answer 500 on any list endpoint, however crafted (seed ${SEED})`, async () => {
    const routes = app.pagedRoutes().filter((route) => route.method === 'GET');
    const failures: string[] = [];
    let refused = 0;
    for (const route of routes) {
      // The endpoint's own first-page cursor: mutated below, and proof that the route really pages.
      const first = await app.inject({
        method: 'GET',
        url: `${urlFor(route.url, '').split('&cursor')[0]}`,
        headers: owner.headers,
      });
      expect(first.statusCode, `${route.url}: ${first.body}`).toBe(200);
      const realCursor = first.json().nextCursor as string | null;
      expect(realCursor, `${route.url} has a second page to mutate`).toEqual(expect.any(String));
      const real = [realCursor as string];
      const followed = await app.inject({
        method: 'GET',
        url: urlFor(route.url, real[0] as string),
        headers: owner.headers,
      });
      expect(followed.statusCode, route.url).toBe(200);

      for (let i = 0; i < CURSORS_PER_ROUTE; i++) {
        const cursor = craftedCursor(real);
        const response = await app.inject({
          method: 'GET',
          url: urlFor(route.url, cursor),
          headers: owner.headers,
        });
        if (response.statusCode >= 500)
          failures.push(`${route.url} cursor=${JSON.stringify(cursor)}: ${response.body}`);
        if (response.statusCode === 400) {
          refused++;
          expect(response.json().error).toMatchObject({
            code: expect.any(String),
            requestId: expect.any(String),
          });
          expect(response.body).not.toMatch(/postgres|syntax|out of range|SQL/i);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(routes.length * (CURSORS_PER_ROUTE / 3));
    // A thousand-odd requests: generous for a machine shared with other test runs.
  }, 180_000);

  it.each([
    ['a date before 4713 BC', b64(`-004714-11-24T00:00:00.000Z|${randomUUID()}`), '/api/v1/conversations'],
    ['a date after 294276 AD', b64(`+294277-01-01T00:00:00.000Z|${randomUUID()}`), '/api/v1/conversations'],
    ['a 19-digit audit id', '9999999999999999999', '/api/v1/audit-log'],
  ])('refuses %s with 400', async (_label, cursor, url) => {
    const response = await app.inject({
      method: 'GET',
      url: `${url}?cursor=${cursor}`,
      headers: owner.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
  });
});
