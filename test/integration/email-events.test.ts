import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyWaitingEmailEvents } from '../../src/integrations/email-events/apply.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { FakeLemlist } from '../fakes/lemlist.js';
import { type PostmarkRecordType, postmarkEvent } from '../fakes/postmark.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let owner: SignedInMember;
let agent: SignedInMember;
let tenantA: string;
let tenantB: string;
const lemlist = new FakeLemlist({ apiKeys: ['lemlist-good-key-0001'] });

interface Urls {
  postmarkWebhookUrl: string;
  lemlistWebhookUrl: string;
}
let urls: Urls;

beforeAll(async () => {
  await lemlist.start();
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({
    database,
    env: { LEMLIST_API_URL: lemlist.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: lemlist.hostPort },
  }));
  tenantA = await newTenant(database.db, 'A');
  tenantB = await newTenant(database.db, 'B');
  owner = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agent = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/settings/email-events',
    headers: owner.headers,
  });
  expect(response.statusCode).toBe(200);
  urls = response.json();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await database?.drop();
  await lemlist.close();
});

/** The path and Authorization header Postmark sends for a URL with credentials in it. */
function postmarkRequest(url: string): { path: string; authorization: string } {
  const parsed = new URL(url);
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  return { path: parsed.pathname, authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function postPostmark(payload: unknown, options: { url?: string; authorization?: string | null } = {}) {
  const { path, authorization } = postmarkRequest(options.url ?? urls.postmarkWebhookUrl);
  const auth = options.authorization === undefined ? authorization : options.authorization;
  return app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

function postLemlist(payload: unknown, url = urls.lemlistWebhookUrl) {
  return app.inject({
    method: 'POST',
    url: new URL(url).pathname,
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

const address = () => `lead-${randomBytes(5).toString('hex')}@Example.com`;

async function newContact(tenantId: string, email: string): Promise<string> {
  return withTenant(database.db, tenantId, async (trx) => {
    const row = await trx
      .insertInto('contacts')
      .values({
        phoneE164: `+3934${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
        email: email.replace(/@(.*)$/, (_m, domain: string) => `@${domain.toLowerCase()}`),
        customFields: '{}',
        ownerUserId: owner.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

const events = (tenantId: string) =>
  withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('emailEvents').selectAll().orderBy('receivedAt').execute(),
  );

const emailConsent = (tenantId: string, contactId: string) =>
  withTenant(database.db, tenantId, (trx) =>
    trx
      .selectFrom('consentEntries')
      .selectAll()
      .where('contactId', '=', contactId)
      .where('channel', '=', 'email_marketing')
      .execute(),
  );

describe('Settings › E-mail events', () => {
  it('shows the webhook URLs to owners, never cached, and refuses agents', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/settings/email-events',
      headers: owner.headers,
    });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ ...urls, lemlist: { connected: false, connectedAt: null } });
    expect(urls.postmarkWebhookUrl).toMatch(
      new RegExp(`^http://leadline-[0-9a-f]{12}:[\\w-]{43}@.+/webhooks/postmark/${tenantA}$`),
    );
    expect(urls.lemlistWebhookUrl).toMatch(new RegExp(`/webhooks/lemlist/${tenantA}/[\\w-]{43}$`));
    const refused = await app.inject({
      method: 'GET',
      url: '/api/v1/settings/email-events',
      headers: agent.headers,
    });
    expect(refused.statusCode).toBe(403);
  });

  it('connects Lemlist only with a key Lemlist accepts, and never shows the key', async () => {
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/v1/settings/email-events/lemlist',
      headers: owner.headers,
      payload: { apiKey: 'lemlist-wrong-key-9999' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const good = await app.inject({
      method: 'PUT',
      url: '/api/v1/settings/email-events/lemlist',
      headers: owner.headers,
      payload: { apiKey: 'lemlist-good-key-0001' },
    });
    expect(good.statusCode).toBe(200);
    expect(good.json().lemlist.connected).toBe(true);
    expect(good.body).not.toContain('lemlist-good-key-0001');
    const stored = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('emailEventSettings').selectAll().executeTakeFirstOrThrow(),
    );
    expect(stored.lemlistApiKeySealed).not.toContain('lemlist-good-key');
    const removed = await app.inject({
      method: 'DELETE',
      url: '/api/v1/settings/email-events/lemlist',
      headers: owner.headers,
    });
    expect(removed.statusCode).toBe(204);
    const again = await app.inject({
      method: 'DELETE',
      url: '/api/v1/settings/email-events/lemlist',
      headers: owner.headers,
    });
    expect(again.statusCode).toBe(404);
  });

  it('rotating a URL makes the old one fail at once and the new one work', async () => {
    const before = (
      await app.inject({ method: 'GET', url: '/api/v1/settings/email-events', headers: owner.headers })
    ).json() as Urls;
    const rotated = await app.inject({
      method: 'POST',
      url: '/api/v1/settings/email-events/rotate',
      headers: owner.headers,
      payload: { provider: 'postmark' },
    });
    expect(rotated.statusCode).toBe(200);
    const after = rotated.json() as Urls;
    expect(after.postmarkWebhookUrl).not.toBe(before.postmarkWebhookUrl);
    expect(after.lemlistWebhookUrl).toBe(before.lemlistWebhookUrl);
    const old = await postPostmark(postmarkEvent('Delivery', address()), { url: before.postmarkWebhookUrl });
    expect(old.statusCode).toBe(401);
    const fresh = await postPostmark(postmarkEvent('Delivery', address()), { url: after.postmarkWebhookUrl });
    expect(fresh.statusCode).toBe(200);
    urls = after;
    const lemlistRotated = await app.inject({
      method: 'POST',
      url: '/api/v1/settings/email-events/rotate',
      headers: owner.headers,
      payload: { provider: 'lemlist' },
    });
    const next = lemlistRotated.json() as Urls;
    expect(next.lemlistWebhookUrl).not.toBe(before.lemlistWebhookUrl);
    const activity = FakeLemlist.activity({
      type: 'emailsOpened',
      leadEmail: address(),
      campaignId: 'cam_x',
    });
    expect((await postLemlist(activity, before.lemlistWebhookUrl)).statusCode).toBe(401);
    expect((await postLemlist(activity, next.lemlistWebhookUrl)).statusCode).toBe(200);
    urls = next;
  });
});

describe('Postmark webhooks', () => {
  it.each<PostmarkRecordType>(['Delivery', 'Bounce', 'SpamComplaint', 'Open', 'Click', 'SubscriptionChange'])(
    'stores a %s event on the contact’s timeline',
    async (recordType) => {
      const email = address();
      const contactId = await newContact(tenantA, email);
      const response = await postPostmark(postmarkEvent(recordType, email));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false });
      const stored = (await events(tenantA)).filter((event) => event.contactId === contactId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ provider: 'postmark', eventType: recordType });
      expect(stored[0]?.appliedAt).not.toBeNull();
      const timeline = await app.inject({
        method: 'GET',
        url: `/api/v1/contacts/${contactId}/timeline`,
        headers: owner.headers,
      });
      expect(timeline.statusCode).toBe(200);
      const entries = timeline.json().items as { kind: string; detail: { type: string } }[];
      expect(entries.find((entry) => entry.kind === 'email_event')?.detail.type).toBe(recordType);
    },
  );

  it('a hard bounce, a spam complaint and a suppressing subscription change opt the address out of e-mail', async () => {
    for (const [type, options, source] of [
      ['Bounce', { typeCode: 1 }, 'email_provider'],
      ['SpamComplaint', {}, 'customer'],
      ['SubscriptionChange', { suppressSending: true, reason: 'SpamComplaint' }, 'customer'],
    ] as const) {
      const email = address();
      const contactId = await newContact(tenantA, email);
      expect((await postPostmark(postmarkEvent(type, email, options))).statusCode).toBe(200);
      const consent = await emailConsent(tenantA, contactId);
      expect(consent).toHaveLength(1);
      expect(consent[0]).toMatchObject({ state: 'opted_out', source });
    }
  });

  it('a soft bounce, an open and a reactivation change no consent', async () => {
    const email = address();
    const contactId = await newContact(tenantA, email);
    await postPostmark(postmarkEvent('Bounce', email, { typeCode: 4096 }));
    await postPostmark(postmarkEvent('Open', email));
    await postPostmark(postmarkEvent('SubscriptionChange', email, { suppressSending: false }));
    expect(await emailConsent(tenantA, contactId)).toHaveLength(0);
  });

  it('is idempotent per MessageID and RecordType: ten deliveries of one event make one row and one opt-out', async () => {
    const email = address();
    const contactId = await newContact(tenantA, email);
    const event = postmarkEvent('Bounce', email, { typeCode: 1 });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await postPostmark(event));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
    expect((await events(tenantA)).filter((e) => e.contactId === contactId)).toHaveLength(1);
    expect(await emailConsent(tenantA, contactId)).toHaveLength(1);
    // The same message's Open is another record type: stored too.
    const open = postmarkEvent('Open', email, { messageId: event.MessageID as string });
    expect((await postPostmark(open)).json().duplicate).toBe(false);
  });

  it('refuses bad or missing credentials with 401, no details, and nothing stored', async () => {
    const before = (await events(tenantA)).length;
    const wrongPassword = `Basic ${Buffer.from(`${new URL(urls.postmarkWebhookUrl).username}:nope`).toString('base64')}`;
    for (const authorization of [wrongPassword, null, 'Basic !!!', 'Bearer x']) {
      const response = await postPostmark(postmarkEvent('Delivery', address()), { authorization });
      expect(response.statusCode).toBe(401);
      const body = response.json();
      expect(body.error.code).toBe('unauthenticated');
      expect(body.error.details).toBeUndefined();
      expect(response.body).not.toContain(new URL(urls.postmarkWebhookUrl).password);
    }
    // Tenant B's credentials do not open tenant A's endpoint.
    const bUrls = (
      await app.inject({
        method: 'GET',
        url: '/api/v1/settings/email-events',
        headers: (await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' })).headers,
      })
    ).json() as Urls;
    const crossed = postmarkRequest(bUrls.postmarkWebhookUrl).authorization;
    expect(
      (await postPostmark(postmarkEvent('Delivery', address()), { authorization: crossed })).statusCode,
    ).toBe(401);
    expect((await events(tenantA)).length).toBe(before);
    expect(await events(tenantB)).toHaveLength(0);
  });

  it('answers malformed JSON and invalid events with 400, and an unknown workspace with 404', async () => {
    const before = (await events(tenantA)).length;
    const malformed = await postPostmark('{"RecordType":"Bounce",');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'bad_request' });
    const deep = await postPostmark(`${'['.repeat(50)}${']'.repeat(50)}`);
    expect(deep.statusCode).toBe(400);
    const proto = await postPostmark('{"__proto__":{"x":1},"RecordType":"Open"}');
    expect(proto.statusCode).toBe(400);
    const unknownType = await postPostmark({ RecordType: 'Inbound', MessageID: 'x' });
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.json().error.code).toBe('validation_failed');
    const badAddress = await postPostmark(postmarkEvent('Open', 'not-an-address'));
    expect(badAddress.statusCode).toBe(400);
    expect((await events(tenantA)).length).toBe(before);
    const unknownTenant = await app.inject({
      method: 'POST',
      url: `/webhooks/postmark/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
      headers: {
        'content-type': 'application/json',
        authorization: postmarkRequest(urls.postmarkWebhookUrl).authorization,
      },
      payload: JSON.stringify(postmarkEvent('Open', address())),
    });
    expect(unknownTenant.statusCode).toBe(404);
    const notUuid = await app.inject({
      method: 'POST',
      url: '/webhooks/postmark/nope',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(notUuid.statusCode).toBe(400);
  });

  it('keeps an event about an address no contact has yet, and applies it once the contact appears', async () => {
    const email = address();
    const response = await postPostmark(postmarkEvent('SpamComplaint', email));
    expect(response.statusCode).toBe(200);
    const waiting = (await events(tenantA)).find((event) => event.email === email.toLowerCase());
    expect(waiting?.appliedAt).toBeNull();
    expect(
      (await jobsOfTask(database.ownerDb, 'email-events.apply')).some(
        (job) => job.key === `email-events:${tenantA}`,
      ),
    ).toBe(true);
    const contactId = await newContact(tenantA, email);
    const result = await withTenant(database.db, tenantA, (trx) => applyWaitingEmailEvents(trx));
    expect(result.applied).toBeGreaterThanOrEqual(1);
    const applied = (await events(tenantA)).find((event) => event.id === waiting?.id);
    expect(applied).toMatchObject({ contactId });
    expect(applied?.appliedAt).not.toBeNull();
    expect(await emailConsent(tenantA, contactId)).toEqual([expect.objectContaining({ state: 'opted_out' })]);
  });

  it('expires events that never matched after 30 days', async () => {
    const email = address();
    await postPostmark(postmarkEvent('Open', email));
    await withTenant(database.db, tenantA, (trx) =>
      trx
        .updateTable('emailEvents')
        .set({ receivedAt: new Date(Date.now() - 31 * 86_400_000) })
        .where('email', '=', email.toLowerCase())
        .execute(),
    );
    const result = await withTenant(database.db, tenantA, (trx) => applyWaitingEmailEvents(trx));
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect((await events(tenantA)).some((event) => event.email === email.toLowerCase())).toBe(false);
  });
});

describe('Lemlist webhooks: credentials and payloads', () => {
  it('refuses a wrong secret with 401 and stores nothing', async () => {
    const before = (await events(tenantA)).length;
    const wrong = urls.lemlistWebhookUrl.replace(/[\w-]{43}$/, 'x'.repeat(43));
    const activity = FakeLemlist.activity({
      type: 'emailsOpened',
      leadEmail: address(),
      campaignId: 'cam_x',
    });
    const response = await postLemlist(activity, wrong);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.details).toBeUndefined();
    expect((await events(tenantA)).length).toBe(before);
  });

  it('acknowledges activities of other channels without storing them, and refuses malformed ones', async () => {
    const before = (await events(tenantA)).length;
    const linkedin = FakeLemlist.activity({
      type: 'linkedinVisitDone',
      leadEmail: address(),
      campaignId: 'cam_x',
    });
    expect((await postLemlist(linkedin)).statusCode).toBe(200);
    expect((await postLemlist('{"type":')).statusCode).toBe(400);
    const noCampaign = FakeLemlist.activity({
      type: 'emailsOpened',
      leadEmail: address(),
      campaignId: 'cam_x',
    });
    delete noCampaign.campaignId;
    expect((await postLemlist(noCampaign)).statusCode).toBe(400);
    expect((await events(tenantA)).length).toBe(before);
  });
});
