import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/platform/config/config.js';
import { sha256 } from '../../src/platform/crypto/tokens.js';
import type { Metrics } from '../../src/platform/metrics/metrics.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const KEY_FORMAT = /^ll_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{32})$/;

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let metrics: Metrics;
let ownerA: SignedInMember;
let agentA: SignedInMember;
let adminB: SignedInMember;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config, metrics } = await buildTestApp({ database }));
  const tenantA = await newTenant(database.db, 'Tenant A');
  const tenantB = await newTenant(database.db, 'Tenant B');
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agentA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  adminB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'admin' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

interface IssuedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  status: string;
}

async function createKey(
  member: SignedInMember,
  body: Record<string, unknown> = { name: 'CRM sync', scopes: ['admin'] },
): Promise<IssuedKey> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: member.headers,
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as IssuedKey;
}

function asKey(key: string, url = '/api/v1/api-keys/self', method: 'GET' | 'POST' = 'GET') {
  return app.inject({ method, url, headers: { authorization: `Bearer ${key}` } });
}

async function auditActions(
  tenantId: string,
): Promise<{ action: string; detail: Record<string, unknown> }[]> {
  const { rows } = await sql<{ action: string; detail: Record<string, unknown> }>`
    select action, detail from audit_log where tenant_id = ${tenantId} order by id`.execute(database.ownerDb);
  return rows;
}

/** Polls (at most `timeoutMs`) until `probe` answers `status`; returns the last response. */
async function eventually(
  probe: () => Promise<LightMyRequestResponse>,
  status: number,
  timeoutMs = 5_000,
): Promise<LightMyRequestResponse> {
  const deadline = Date.now() + timeoutMs;
  let response = await probe();
  for (let attempt = 0; attempt < 100 && response.statusCode !== status && Date.now() < deadline; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    response = await probe();
  }
  return response;
}

describe('creating API keys', () => {
  it('V6.5.2 returns the full key once and stores only the SHA-256 of its 192-bit secret', async () => {
    const issued = await createKey(ownerA, { name: 'Zapier', scopes: ['contacts:read', 'messages:write'] });
    const match = KEY_FORMAT.exec(issued.key);
    expect(match, issued.key).not.toBeNull();
    const [, publicId, secret] = match as unknown as [string, string, string];
    expect(Buffer.from(secret, 'base64url')).toHaveLength(24);
    expect(issued).toMatchObject({
      prefix: `ll_${publicId}`,
      scopes: ['contacts:read', 'messages:write'],
      status: 'active',
    });

    const { rows } = await sql<
      Record<string, unknown>
    >`select * from api_keys where id = ${issued.id}`.execute(database.ownerDb);
    const row = rows[0] as Record<string, unknown>;
    expect(row.secretHash).toEqual(sha256(secret));
    expect(JSON.stringify(row)).not.toContain(secret);

    const list = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: ownerA.headers });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    const listed = list.json().items.find((item: { id: string }) => item.id === issued.id);
    expect(listed).toMatchObject({ name: 'Zapier', prefix: `ll_${publicId}`, lastUsedAt: null });
    expect(listed).not.toHaveProperty('key');
  });

  it('answers with Cache-Control: no-store, so the key is not kept by a cache', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: ownerA.headers,
      payload: { name: 'cache', scopes: ['contacts:read'] },
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['an unknown scope', { name: 'x', scopes: ['root'] }],
    ['no scopes', { name: 'x', scopes: [] }],
    ['an empty name', { name: '  ', scopes: ['admin'] }],
    ['a name with a line break', { name: 'a\nb', scopes: ['admin'] }],
    ['an expiry in the past', { name: 'x', scopes: ['admin'], expiresAt: '2020-01-01T00:00:00Z' }],
    ['an unknown field', { name: 'x', scopes: ['admin'], tenantId: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses %s with 400', async (_label, payload) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: ownerA.headers,
      payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
  });

  it('V8.2.1 agents may not manage keys (403)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: agentA.headers,
      payload: { name: 'x', scopes: ['admin'] },
    });
    expect(response.statusCode).toBe(403);
    const list = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: agentA.headers });
    expect(list.statusCode).toBe(403);
  });

  it('V3.5.1 a cookie request without the CSRF token is refused and counted in leadline_csrf_failures_total', async () => {
    const before = (await metrics.csrfFailures.get()).values[0]?.value ?? 0;
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie: ownerA.headers.cookie as string },
      payload: { name: 'x', scopes: ['admin'] },
    });
    expect(response.statusCode).toBe(403);
    expect((await metrics.csrfFailures.get()).values[0]?.value).toBe(before + 1);
  });

  it('an API key cannot mint more keys, even with the admin scope', async () => {
    const admin = await createKey(ownerA);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { authorization: `Bearer ${admin.key}` },
      payload: { name: 'child', scopes: ['admin'] },
    });
    expect(response.statusCode).toBe(403);
  });

  it('records api_key.created in the audit log with the actor, never the secret', async () => {
    const issued = await createKey(ownerA, { name: 'audited', scopes: ['messages:read'] });
    const { rows } = await sql<{ actorUserId: string; detail: Record<string, unknown> }>`
      select actor_user_id, detail from audit_log
      where action = 'api_key.created' and detail->>'apiKeyId' = ${issued.id}`.execute(database.ownerDb);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.actorUserId).toBe(ownerA.userId);
    // ll_<publicId>_<secret>: the public id has no underscore, the base64url secret may.
    const secret = issued.key.slice(issued.key.indexOf('_', 3) + 1);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(JSON.stringify(rows[0])).not.toContain(secret);
  });
});

describe('using API keys as Authorization: Bearer', () => {
  it('a key with the scope a route needs is admitted and can describe itself', async () => {
    const issued = await createKey(ownerA, { name: 'self', scopes: ['admin'] });
    const response = await asKey(issued.key);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: issued.id,
      name: 'self',
      scopes: ['admin'],
      status: 'active',
    });
  });

  it('V8.2.1 a key without the scope a route needs is 403', async () => {
    const issued = await createKey(ownerA, { name: 'reader', scopes: ['contacts:read'] });
    const response = await asKey(issued.key);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  });

  it.each([
    ['a wrong secret', (key: string) => `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`],
    ['an unknown public id', (key: string) => key.replace(/^ll_[A-Za-z0-9]{16}/, 'll_ZZZZZZZZZZZZZZZZ')],
    ['a malformed key', () => 'll_short'],
  ])('%s is 401', async (_label, mangle) => {
    const issued = await createKey(ownerA);
    const response = await asKey(mangle(issued.key));
    expect(response.statusCode).toBe(401);
  });

  it('records when and from which IP a key was last used', async () => {
    const issued = await createKey(ownerA);
    const before = Date.now();
    expect((await asKey(issued.key)).statusCode).toBe(200);
    const { rows } = await sql<{ lastUsedAt: Date; lastUsedIp: string }>`
      select last_used_at, last_used_ip from api_keys where id = ${issued.id}`.execute(database.ownerDb);
    expect(rows[0]?.lastUsedIp).toBe('127.0.0.1');
    expect(rows[0]?.lastUsedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const list = await app.inject({
      method: 'GET',
      url: '/api/v1/api-keys?limit=100',
      headers: ownerA.headers,
    });
    const listed = list.json().items.find((item: { id: string }) => item.id === issued.id);
    expect(listed.lastUsedIp).toBe('127.0.0.1');
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it('an expired key is 401 once its expiry passes', async () => {
    const issued = await createKey(ownerA, {
      name: 'short-lived',
      scopes: ['admin'],
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    });
    expect((await asKey(issued.key)).statusCode).toBe(200);
    const after = await eventually(() => asKey(issued.key), 401);
    expect(after.statusCode).toBe(401);
  });

  it('a signed-in user calling /self is told to use a key (400)', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/api-keys/self',
      headers: ownerA.headers,
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('revoking API keys', () => {
  it('V8.3.2 revocation is effective on the very next request, and audited', async () => {
    const issued = await createKey(ownerA);
    expect((await asKey(issued.key)).statusCode).toBe(200);
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${issued.id}`,
      headers: ownerA.headers,
    });
    expect(revoke.statusCode).toBe(204);
    expect((await asKey(issued.key)).statusCode).toBe(401);

    const entries = (await auditActions(ownerA.tenantId)).filter((e) => e.detail.apiKeyId === issued.id);
    expect(entries.map((e) => e.action)).toEqual(['api_key.created', 'api_key.revoked']);
    const again = await app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${issued.id}`,
      headers: ownerA.headers,
    });
    expect(again.statusCode).toBe(204);
    expect((await auditActions(ownerA.tenantId)).filter((e) => e.detail.apiKeyId === issued.id)).toHaveLength(
      2,
    );
  });
});

describe('rotating API keys', () => {
  it('the old key keeps working during the grace period and fails after it; replaced_by links them', async () => {
    const old = await createKey(ownerA, { name: 'rotating', scopes: ['admin', 'contacts:read'] });
    const rotate = await app.inject({
      method: 'POST',
      url: `/api/v1/api-keys/${old.id}/rotate`,
      headers: ownerA.headers,
      payload: { graceHours: 2 / 3600 },
    });
    expect(rotate.statusCode, rotate.body).toBe(201);
    const replacement = rotate.json() as IssuedKey;
    expect(replacement.key).toMatch(KEY_FORMAT);
    expect(replacement.key).not.toBe(old.key);
    expect(replacement).toMatchObject({ scopes: ['admin', 'contacts:read'], status: 'active' });

    expect((await asKey(replacement.key)).statusCode).toBe(200);
    const during = await asKey(old.key);
    expect(during.statusCode).toBe(200);
    expect(during.json().status).toBe('rotating');

    const after = await eventually(() => asKey(old.key), 401);
    expect(after.statusCode).toBe(401);
    expect((await asKey(replacement.key)).statusCode).toBe(200);

    const { rows } = await sql<{
      replacedBy: string;
    }>`select replaced_by from api_keys where id = ${old.id}`.execute(database.ownerDb);
    expect(rows[0]?.replacedBy).toBe(replacement.id);
    const rotated = (await auditActions(ownerA.tenantId)).find(
      (e) => e.action === 'api_key.rotated' && e.detail.apiKeyId === old.id,
    );
    expect(rotated?.detail.replacedBy).toBe(replacement.id);
  });

  it('without graceHours the configured grace period applies', async () => {
    const old = await createKey(ownerA);
    const before = Date.now();
    const rotate = await app.inject({
      method: 'POST',
      url: `/api/v1/api-keys/${old.id}/rotate`,
      headers: ownerA.headers,
    });
    expect(rotate.statusCode, rotate.body).toBe(201);
    const { rows } = await sql<{
      revokedAt: Date;
    }>`select revoked_at from api_keys where id = ${old.id}`.execute(database.ownerDb);
    const grace = (rows[0]?.revokedAt.getTime() ?? 0) - before;
    expect(grace).toBeGreaterThan(config.accounts.apiKeyRotationGraceMs - 5_000);
    expect(grace).toBeLessThanOrEqual(config.accounts.apiKeyRotationGraceMs + 5_000);
  });

  it('a key already rotated or revoked cannot be rotated again (409)', async () => {
    const old = await createKey(ownerA);
    const first = await app.inject({
      method: 'POST',
      url: `/api/v1/api-keys/${old.id}/rotate`,
      headers: ownerA.headers,
    });
    expect(first.statusCode).toBe(201);
    const second = await app.inject({
      method: 'POST',
      url: `/api/v1/api-keys/${old.id}/rotate`,
      headers: ownerA.headers,
    });
    expect(second.statusCode).toBe(409);
  });

  it('revoking a key during its grace period ends it at once', async () => {
    const old = await createKey(ownerA);
    await app.inject({ method: 'POST', url: `/api/v1/api-keys/${old.id}/rotate`, headers: ownerA.headers });
    expect((await asKey(old.key)).statusCode).toBe(200);
    await app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${old.id}`, headers: ownerA.headers });
    expect((await asKey(old.key)).statusCode).toBe(401);
  });
});

describe('tenant isolation of API keys', () => {
  it("V8.4.1 tenant B cannot see, rotate or revoke tenant A's keys (404, never 403)", async () => {
    const keyA = await createKey(ownerA);
    const list = await app.inject({
      method: 'GET',
      url: '/api/v1/api-keys?limit=100',
      headers: adminB.headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((item: { id: string }) => item.id)).not.toContain(keyA.id);

    const rotate = await app.inject({
      method: 'POST',
      url: `/api/v1/api-keys/${keyA.id}/rotate`,
      headers: adminB.headers,
    });
    expect(rotate.statusCode).toBe(404);
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${keyA.id}`,
      headers: adminB.headers,
    });
    expect(revoke.statusCode).toBe(404);
    expect((await asKey(keyA.key)).statusCode).toBe(200);
  });

  it("tenant A's key acts in tenant A only", async () => {
    const keyA = await createKey(ownerA);
    const keyB = await createKey(adminB);
    expect((await asKey(keyA.key)).json().id).toBe(keyA.id);
    expect((await asKey(keyB.key)).json().id).toBe(keyB.id);
  });
});

describe('listing API keys', () => {
  it('pages newest first with a keyset cursor, without gaps or repeats', async () => {
    const tenant = await newTenant(database.db, 'Paging');
    const owner = await signedInMember(database.db, config, { tenantId: tenant, role: 'owner' });
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push((await createKey(owner, { name: `k${i}`, scopes: ['admin'] })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const url = `/api/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await app.inject({ method: 'GET', url, headers: owner.headers });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as { items: { id: string }[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...created].reverse());
  });

  it('refuses a malformed cursor with 400', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/api-keys?cursor=1%20or%201=1',
      headers: ownerA.headers,
    });
    expect(response.statusCode).toBe(400);
  });
});
