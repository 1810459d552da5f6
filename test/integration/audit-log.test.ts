import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allAuditEntries, recordAudit } from '../../src/audit/audit.repository.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface Entry {
  id: string;
  action: string;
  actorUserId: string | null;
  actorName: string | null;
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
  // A hostile user agent, as a spreadsheet would run it.
  await recordAudit(database.db, {
    action: 'auth.logout',
    tenantId: tenantA,
    actorUserId: adminA.userId,
    context: { ...context, userAgent: '=HYPERLINK("http://evil.test","x")' },
    detail: { note: '+SUM(A1:A9)' },
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

  it('names the actor: the member as people know them, nothing for the system', async () => {
    const { items } = await list(adminA, '?limit=200');
    const member = await database.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', ownerA.userId)
      .executeTakeFirstOrThrow();
    expect(items.find((e) => e.action === 'member.role_changed')?.actorName).toBe(member.email);
    expect(items.find((e) => e.action === 'auth.login_failed')?.actorName).toBeNull();
  });
});

describe('GET /api/v1/audit-log/export', () => {
  const exportCsv = (member: SignedInMember | null, query = '') =>
    app.inject({ method: 'GET', url: `/api/v1/audit-log/export${query}`, headers: member?.headers ?? {} });

  it('streams the filtered entries as CSV, newest first, with formula-like cells neutralised', async () => {
    const response = await exportCsv(adminA);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows: Record<string, string>[] = parse(response.body, { columns: true, bom: true });
    const listed = (await list(adminA, '?limit=200')).items;
    expect(rows.map((row) => row.id)).toEqual(listed.map((entry) => entry.id));
    const logout = rows.find((row) => row.action === 'auth.logout');
    // Round trip: the text comes back with an apostrophe in front, so a spreadsheet shows it as text.
    expect(logout?.user_agent).toBe('\'=HYPERLINK("http://evil.test","x")');
    expect(JSON.parse(logout?.detail ?? '{}')).toEqual({ note: '+SUM(A1:A9)' });
    expect(rows.flatMap((row) => Object.values(row)).filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);

    const filtered = await exportCsv(adminA, '?action=member.role_changed');
    const filteredRows: Record<string, string>[] = parse(filtered.body, { columns: true, bom: true });
    expect(filteredRows.map((row) => row.action)).toEqual(Array(5).fill('member.role_changed'));
    expect(filteredRows.map((row) => JSON.parse(row.detail ?? '{}').n)).toEqual([4, 3, 2, 1, 0]);
  });

  it('reads every entry in batches, without gaps or repeats', async () => {
    const all = [];
    for await (const entry of allAuditEntries(database.db, adminA.tenantId, {}, 2)) all.push(entry.id);
    const listed = (await list(adminA, '?limit=200')).items.map((entry) => entry.id);
    expect(all.map(String)).toEqual(listed);
  });

  it('is refused to agents (403), to no session (401), and to a malformed filter (400)', async () => {
    expect((await exportCsv(agentA)).statusCode).toBe(403);
    expect((await exportCsv(null)).statusCode).toBe(401);
    const bad = await exportCsv(adminA, '?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBeTypeOf('string');
  });
});
