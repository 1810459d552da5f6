import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit/audit.repository.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface Entry {
  id: string;
  action: string;
  actorUserId: string | null;
  ip: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
}

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let adminA: SignedInMember;
let ownerA: SignedInMember;
let agentA: SignedInMember;
let ownerB: SignedInMember;
const context = { requestId: 'req-audit-test', ip: '192.0.2.5', userAgent: 'vitest' };

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  const tenantA = await newTenant(database.db, 'A');
  const tenantB = await newTenant(database.db, 'B');
  adminA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'admin' });
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agentA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
  for (let i = 0; i < 5; i++) {
    await recordAudit(database.db, {
      action: 'member.role_changed',
      tenantId: tenantA,
      actorUserId: ownerA.userId,
      context,
      detail: { n: i },
    });
  }
  await recordAudit(database.db, {
    action: 'auth.login_failed',
    tenantId: tenantA,
    context,
    detail: { reason: 'x' },
  });
  await recordAudit(database.db, {
    action: 'auth.login_failed',
    tenantId: null,
    context,
    detail: { unknown: true },
  });
  await recordAudit(database.db, {
    action: 'secret.b',
    tenantId: tenantB,
    actorUserId: ownerB.userId,
    context,
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function list(
  member: SignedInMember,
  query = '',
): Promise<{ items: Entry[]; nextCursor: string | null }> {
  const response = await app.inject({
    method: 'GET',
    url: `/api/v1/audit-log${query}`,
    headers: member.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('GET /api/v1/audit-log', () => {
  it('shows owners and admins their workspace entries, newest first, with actor, IP and request id', async () => {
    const { items } = await list(adminA, '?limit=200');
    const ids = items.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    const roleChanges = items.filter((e) => e.action === 'member.role_changed');
    expect(roleChanges.map((e) => e.detail.n)).toEqual([4, 3, 2, 1, 0]);
    expect(roleChanges[0]).toMatchObject({
      actorUserId: ownerA.userId,
      ip: '192.0.2.5',
      requestId: 'req-audit-test',
    });
    expect((await list(ownerA, '?limit=200')).items).toHaveLength(items.length);
  });

  it("V8.4.1 never shows another tenant's entries, nor entries without a tenant", async () => {
    const { items } = await list(adminA, '?limit=200');
    expect(items.map((e) => e.action)).not.toContain('secret.b');
    expect(items.filter((e) => e.action === 'auth.login_failed')).toHaveLength(1);
    const seenByB = await list(ownerB, '?limit=200');
    expect(seenByB.items.map((e) => e.action)).toEqual(['secret.b']);
  });

  it('V8.2.1 agents are refused (403)', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/audit-log', headers: agentA.headers });
    expect(response.statusCode).toBe(403);
  });

  it('unauthenticated callers are refused (401)', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/audit-log' })).statusCode).toBe(401);
  });

  it('filters by action and by actor', async () => {
    const failed = await list(adminA, '?action=auth.login_failed');
    expect(failed.items.map((e) => e.action)).toEqual(['auth.login_failed']);
    const byOwner = await list(adminA, `?actorUserId=${ownerA.userId}&limit=200`);
    expect(byOwner.items.length).toBeGreaterThanOrEqual(5);
    expect(byOwner.items.every((e) => e.actorUserId === ownerA.userId)).toBe(true);
  });

  it('filters by time range (from inclusive, to exclusive)', async () => {
    const all = (await list(adminA, '?limit=200')).items;
    const newest = all[0] as Entry;
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list(adminA, `?from=${encodeURIComponent(future)}`)).items).toEqual([]);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await list(adminA, `?to=${encodeURIComponent(past)}`)).items).toEqual([]);
    const window = await list(
      adminA,
      `?from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}&limit=200`,
    );
    expect(window.items.map((e) => e.id)).toContain(newest.id);
  });

  it('pages with a keyset cursor, without gaps or repeats', async () => {
    const all = (await list(adminA, '?limit=200')).items.map((e) => e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const body = await list(adminA, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((e) => e.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all);
  });

  it.each([
    ['an unknown parameter', '?tenantId=00000000-0000-4000-8000-000000000000'],
    ['a malformed date', '?from=yesterday'],
    ['a malformed cursor', '?cursor=1;drop'],
    ['a malformed actor', '?actorUserId=me'],
    ['a limit too large', '?limit=100000'],
  ])('refuses %s with 400', async (_label, query) => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/audit-log${query}`,
      headers: adminA.headers,
    });
    expect(response.statusCode).toBe(400);
  });

  it('is readable with an admin-scoped API key and refused to a key without that scope', async () => {
    const create = async (scopes: string[]) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: ownerA.headers,
          payload: { name: 'siem', scopes },
        })
      ).json().key as string;
    const admin = await create(['admin']);
    const reader = await create(['contacts:read']);
    const ok = await app.inject({
      method: 'GET',
      url: '/api/v1/audit-log',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items[0].action).toBe('api_key.created');
    const refused = await app.inject({
      method: 'GET',
      url: '/api/v1/audit-log',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(refused.statusCode).toBe(403);
  });
});

describe('the audit log is append-only for the application role (V16.3.x)', () => {
  it.each([
    ['UPDATE', sql`update audit_log set action = 'tampered'`],
    ['DELETE', sql`delete from audit_log`],
    ['TRUNCATE', sql`truncate audit_log`],
  ])('%s is refused with permission denied', async (_label, statement) => {
    await expect(withTenant(database.db, adminA.tenantId, (trx) => statement.execute(trx))).rejects.toThrow(
      /permission denied/,
    );
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_log where action = 'member.role_changed'`.execute(
      database.ownerDb,
    );
    expect(rows[0]?.n).toBe(5);
  });

  it("a tenant cannot append an entry in another tenant's name", async () => {
    await expect(
      withTenant(database.db, adminA.tenantId, (trx) =>
        recordAudit(trx, { action: 'forged', tenantId: ownerB.tenantId, context }),
      ),
    ).rejects.toThrow(/row-level security/);
  });
});
