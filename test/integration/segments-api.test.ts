import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { buildTestApp } from '../support/app.js';
import { seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** `/api/v1/segments`: CRUD with audit, keyset pages, the preview, tenant isolation and bad input. */
const CONTEXT = { requestId: 'segments-api', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let otherTenant: string;
let admin: SignedInMember;
let agent: SignedInMember;
let otherAdmin: SignedInMember;
let otherLabel: string;

async function call(method: string, url: string, headers: Record<string, string>, payload?: unknown) {
  return app.inject({
    method: method as 'GET',
    url,
    headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(payload === undefined
      ? {}
      : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Segments API');
  otherTenant = await newTenant(database.db, 'Other');
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  otherAdmin = await signedInMember(database.db, config, { tenantId: otherTenant, role: 'admin' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: admin.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Segments line',
      phoneNumberId: '106540352249001',
      displayPhoneNumber: '+1 555 078 3977',
      wabaId: '102290129349001',
      accessToken: 'EAAG-segments-api',
      appSecret: 'app-secret-segments-api-0123456',
    },
  );
  for (const [n, state] of [
    [1, 'opted_in'],
    [2, 'opted_out'],
    [3, null],
  ] as const) {
    const { contactId } = await seedConversation(database.db, tenantId, channel.id, {
      phoneE164: `+39347200000${n}`,
      firstName: `Person ${n}`,
    });
    if (state) {
      await withTenant(database.db, tenantId, (trx) =>
        recordConsent(trx, { contactId, channel: 'whatsapp', state, source: 'customer' }),
      );
    }
  }
  await withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('customFieldDefinitions')
      .values({ key: 'score', label: 'Score', type: 'number' })
      .execute(),
  );
  otherLabel = await withTenant(database.db, otherTenant, async (trx) => {
    const row = await trx
      .insertInto('labels')
      .values({ name: 'Theirs', color: '#112233' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('segments API', () => {
  let segmentId: string;

  it('creates, reads, renames and deletes a segment, each change audited', async () => {
    const created = await call('POST', '/api/v1/segments', agent.headers, {
      name: 'High scores',
      filter: { fields: [{ key: 'score', op: 'gte', value: 50 }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    segmentId = created.json().id;
    expect(created.json()).toMatchObject({
      name: 'High scores',
      filter: { fields: [{ key: 'score', op: 'gte', value: 50 }] },
      createdByUserId: agent.userId,
    });
    const read = await call('GET', `/api/v1/segments/${segmentId}`, admin.headers);
    expect(read.json().name).toBe('High scores');
    const renamed = await call('PATCH', `/api/v1/segments/${segmentId}`, admin.headers, { name: 'Top' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Top', filter: created.json().filter });
    const taken = await call('POST', '/api/v1/segments', admin.headers, { name: 'TOP', filter: {} });
    expect(taken.statusCode).toBe(409);
    const removed = await call('DELETE', `/api/v1/segments/${segmentId}`, admin.headers);
    expect(removed.statusCode).toBe(204);
    expect((await call('GET', `/api/v1/segments/${segmentId}`, admin.headers)).statusCode).toBe(404);
    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'detail'])
      .where('tenantId', '=', tenantId)
      .where('action', 'like', 'segment.%')
      .orderBy('id')
      .execute();
    expect(audit.map((row) => row.action)).toEqual(['segment.created', 'segment.updated', 'segment.deleted']);
    expect(audit[0]?.detail).toMatchObject({ segmentId, name: 'High scores' });
  });

  it('lists segments newest first in keyset pages without gaps or repeats', async () => {
    const names = ['Page A', 'Page B', 'Page C', 'Page D', 'Page E'];
    for (const name of names) {
      expect((await call('POST', '/api/v1/segments', admin.headers, { name, filter: {} })).statusCode).toBe(
        201,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/segments?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call('GET', url, agent.headers);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((item: { name: string }) => item.name));
      cursor = page.json().nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());
    // Another workspace sees none of them, and cannot read one by id.
    const theirs = await call('GET', '/api/v1/segments', otherAdmin.headers);
    expect(theirs.json().items).toEqual([]);
    const first = (await call('GET', '/api/v1/segments?limit=1', admin.headers)).json().items[0];
    expect((await call('GET', `/api/v1/segments/${first.id}`, otherAdmin.headers)).statusCode).toBe(404);
    expect(
      (await call('PATCH', `/api/v1/segments/${first.id}`, otherAdmin.headers, { name: 'Stolen' }))
        .statusCode,
    ).toBe(404);
  });

  it('previews counts, every exclusion reason and a sample with verdicts', async () => {
    const response = await call('POST', '/api/v1/segments/preview', agent.headers, {
      filter: {},
      channel: 'whatsapp',
      sampleSize: 5,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      total: 3,
      eligible: 1,
      excluded: { opted_out: 1, no_consent: 1, suppressed: 0, invalid_number: 0, no_email: 0 },
    });
    expect(body.sample).toHaveLength(3);
    const verdicts = Object.fromEntries(
      body.sample.map((c: { name: string; reason: string | null }) => [c.name, c.reason]),
    );
    expect(verdicts).toEqual({ 'Person 1': null, 'Person 2': 'opted_out', 'Person 3': 'no_consent' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('refuses filters that do not fit the workspace with a 400 naming the problem', async () => {
    const cases: [unknown, string][] = [
      [{ fields: [{ key: 'nope', op: 'equals', value: 1 }] }, 'filter.fields.0.key'],
      [{ fields: [{ key: 'score', op: 'contains', value: 'x' }] }, 'filter.fields.0.op'],
      [{ fields: [{ key: 'score', op: 'equals', value: 'text' }] }, 'filter.fields.0.value'],
      [{ labels: { match: 'any', labelIds: [otherLabel] } }, 'filter.labels.labelIds.0'],
      [{ stageIds: ['00000000-0000-4000-8000-000000000000'] }, 'filter.stageIds.0'],
      [{ importId: '00000000-0000-4000-8000-000000000000' }, 'filter.importId'],
    ];
    for (const [filter, path] of cases) {
      const response = await call('POST', '/api/v1/segments/preview', admin.headers, {
        filter,
        channel: 'sms',
      });
      expect(response.statusCode, JSON.stringify(filter)).toBe(400);
      expect(JSON.stringify(response.json().error.details)).toContain(path);
      const saved = await call('POST', '/api/v1/segments', admin.headers, { name: 'Bad', filter });
      expect(saved.statusCode).toBe(400);
    }
  });

  it('answers bad input with 4xx, never 500, and saves nothing', async () => {
    const before = await database.ownerDb.selectFrom('segments').select('id').execute();
    const bodies: unknown[] = [
      '{"name":',
      '{"name":"x","filter":{},"__proto__":{"isAdmin":true}}',
      { name: 'x', filter: { constructor: { prototype: { isAdmin: true } } } },
      { name: 'x\u0000y', filter: {} },
      { name: 'line\r\nbreak', filter: {} },
      { name: '', filter: {} },
      { name: 'x'.repeat(101), filter: {} },
      { name: 'x', filter: [] },
      { name: 'x', filter: { fields: [{ key: "score' or 1=1 --", op: 'equals', value: 1 }] } },
      { name: 'x', filter: { fields: [{ key: 'score', op: 'gt; drop table contacts', value: 1 }] } },
      { name: 'x', filter: { fields: [{ key: 'score', op: 'gt', value: { $ne: null } }] } },
      { name: 'x', filter: { fields: [{ key: 'score', op: 'equals', value: '\ud800' }] } },
      { name: 'x', filter: { fields: Array.from({ length: 500 }, () => ({ key: 'score', op: 'empty' })) } },
      { name: 'x', filter: { lastActivity: { direction: 'any', withinDays: 1e9 } } },
      { name: 'x', filter: { lastActivity: { direction: 'any', after: '0000-01-01T00:00:00Z' } } },
      { name: 'x', filter: { stageIds: ["1' or '1'='1"] } },
      { name: 'x', filter: { importChange: 'created' } },
      {
        name: 'x',
        filter: {},
        extra: 1,
      },
    ];
    for (const body of bodies) {
      const response = await call('POST', '/api/v1/segments', admin.headers, body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 200)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.json().error).toMatchObject({
        code: expect.any(String),
        requestId: expect.any(String),
      });
    }
    const deep = await call(
      'POST',
      '/api/v1/segments',
      admin.headers,
      `{"name":"x","filter":${'['.repeat(10_000)}`,
    );
    expect(deep.statusCode).toBe(400);
    const previews: unknown[] = [
      { filter: {}, channel: 'fax' },
      { filter: {}, channel: 'sms', sampleSize: 10_000 },
      { filter: {} },
    ];
    for (const body of previews) {
      const response = await call('POST', '/api/v1/segments/preview', admin.headers, body);
      expect(response.statusCode).toBe(400);
    }
    expect((await call('GET', '/api/v1/segments/not-a-uuid', admin.headers)).statusCode).toBe(400);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await database.ownerDb.selectFrom('segments').select('id').execute()).toEqual(before);
  });

  it('requires a session or key with the right scope', async () => {
    expect((await call('GET', '/api/v1/segments', {})).statusCode).toBe(401);
    expect(
      (await call('POST', '/api/v1/segments/preview', {}, { filter: {}, channel: 'sms' })).statusCode,
    ).toBe(401);
  });
});
