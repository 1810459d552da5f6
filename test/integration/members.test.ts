import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/accounts/session-tokens.js';
import type { Config } from '../../src/platform/config/config.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantA: string;
let tenantB: string;
let ownerA: SignedInMember;
let adminA: SignedInMember;
let ownerB: SignedInMember;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantA = await newTenant(database.db, 'Alpha Ltd');
  tenantB = await newTenant(database.db, 'Beta GmbH');
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  adminA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'admin' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const member = (tenantId: string, role: 'owner' | 'admin' | 'agent') =>
  signedInMember(database.db, config, { tenantId, role });

async function roleOf(tenantId: string, userId: string): Promise<string | undefined> {
  const row = await database.ownerDb
    .selectFrom('memberships')
    .select('role')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

async function auditActions(tenantId: string, action: string) {
  return database.ownerDb
    .selectFrom('auditLog')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('action', '=', action)
    .orderBy('id')
    .execute();
}

describe('GET and PATCH /api/v1/tenant', () => {
  it('shows any member the workspace the session works in', async () => {
    const agent = await member(tenantA, 'agent');
    const response = await app.inject({ method: 'GET', url: '/api/v1/tenant', headers: agent.headers });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: tenantA, requireTwoFactor: false });
  });

  it('lets an owner rename the workspace, audited', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: ownerA.headers,
      payload: { name: '  Alpha Limited ' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().name).toBe('Alpha Limited');
    const [entry] = await auditActions(tenantA, 'tenant.renamed');
    expect(entry).toMatchObject({
      actorUserId: ownerA.userId,
      detail: { from: 'Alpha Ltd', to: 'Alpha Limited' },
    });
  });

  it('V8.2.1 refuses a rename by an admin (settings are owner-only)', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: adminA.headers,
      payload: { name: 'Taken over' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('V15.3.3 refuses a rename body that also names the id or the 2FA setting', async () => {
    for (const extra of [{ id: tenantB }, { requireTwoFactor: true }]) {
      const response = await app.inject({
        method: 'PATCH',
        url: '/api/v1/tenant',
        headers: ownerA.headers,
        payload: { name: 'Mass assigned', ...extra },
      });
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
    }
    const current = await app.inject({ method: 'GET', url: '/api/v1/tenant', headers: ownerA.headers });
    expect(current.json()).toMatchObject({ id: tenantA, name: 'Alpha Limited', requireTwoFactor: false });
  });

  it('refuses a rename without the CSRF token', async () => {
    const { [CSRF_HEADER]: _csrf, ...cookieOnly } = ownerA.headers;
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: cookieOnly,
      payload: { name: 'Forged' },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('GET /api/v1/members', () => {
  it('pages through every member exactly once with the keyset cursor', async () => {
    const tenant = await newTenant(database.db);
    const members = [await member(tenant, 'owner')];
    for (let i = 0; i < 4; i++) members.push(await member(tenant, 'agent'));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const url: string = `/api/v1/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await app.inject({ method: 'GET', url, headers: members[1]!.headers });
      expect(response.statusCode).toBe(200);
      const body = response.json() as {
        items: { userId: string; email: string }[];
        nextCursor: string | null;
      };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item) => item.userId));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(members.map((m) => m.userId).sort());
  });

  it('V8.4.1 lists only the members of the current tenant', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/members', headers: ownerB.headers });
    expect(response.json().items.map((item: { userId: string }) => item.userId)).toEqual([ownerB.userId]);
  });

  it('returns no password hash or 2FA secret', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/members', headers: ownerA.headers });
    expect(Object.keys(response.json().items[0]).sort()).toEqual([
      'displayName',
      'email',
      'joinedAt',
      'role',
      'userId',
    ]);
  });
});

describe('PATCH /api/v1/members/:userId', () => {
  const patch = (by: SignedInMember, userId: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: `/api/v1/members/${userId}`, headers: by.headers, payload });

  it('lets an owner change a role, and audits the change', async () => {
    const agent = await member(tenantA, 'agent');
    const response = await patch(ownerA, agent.userId, { role: 'admin' });
    expect(response.statusCode).toBe(204);
    expect(await roleOf(tenantA, agent.userId)).toBe('admin');
    const entries = await auditActions(tenantA, 'member.role_changed');
    expect(entries.at(-1)).toMatchObject({
      actorUserId: ownerA.userId,
      detail: { userId: agent.userId, from: 'agent', to: 'admin' },
    });
  });

  it('V8.3.1 a role change takes effect on the very next request', async () => {
    const admin = await member(tenantA, 'admin');
    const before = await app.inject({ method: 'GET', url: '/api/v1/invitations', headers: admin.headers });
    expect(before.statusCode).toBe(200);
    expect((await patch(ownerA, admin.userId, { role: 'agent' })).statusCode).toBe(204);
    const after = await app.inject({ method: 'GET', url: '/api/v1/invitations', headers: admin.headers });
    expect(after.statusCode).toBe(403);
  });

  it('V8.2.2 an admin cannot make anyone an owner, nor change or remove an owner', async () => {
    const agent = await member(tenantA, 'agent');
    const owner2 = await member(tenantA, 'owner');
    expect((await patch(adminA, agent.userId, { role: 'owner' })).statusCode).toBe(403);
    expect((await patch(adminA, adminA.userId, { role: 'owner' })).statusCode).toBe(403);
    expect((await patch(adminA, owner2.userId, { role: 'agent' })).statusCode).toBe(403);
    const removal = await app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${owner2.userId}`,
      headers: adminA.headers,
    });
    expect(removal.statusCode).toBe(403);
    expect(await roleOf(tenantA, agent.userId)).toBe('agent');
    expect(await roleOf(tenantA, owner2.userId)).toBe('owner');
    expect(await roleOf(tenantA, adminA.userId)).toBe('admin');
  });

  it('an admin may manage agents and admins', async () => {
    const agent = await member(tenantA, 'agent');
    expect((await patch(adminA, agent.userId, { role: 'admin' })).statusCode).toBe(204);
    expect((await patch(adminA, agent.userId, { role: 'agent' })).statusCode).toBe(204);
    expect(await roleOf(tenantA, agent.userId)).toBe('agent');
  });

  it('V8.2.1 an agent cannot change roles', async () => {
    const agent = await member(tenantA, 'agent');
    const other = await member(tenantA, 'agent');
    expect((await patch(agent, other.userId, { role: 'admin' })).statusCode).toBe(403);
    expect((await patch(agent, agent.userId, { role: 'admin' })).statusCode).toBe(403);
  });

  it('the last owner can be neither demoted nor removed; with a second owner, they can', async () => {
    const tenant = await newTenant(database.db);
    const owner = await member(tenant, 'owner');
    const demote = await patch(owner, owner.userId, { role: 'admin' });
    expect(demote.statusCode).toBe(409);
    const remove = await app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${owner.userId}`,
      headers: owner.headers,
    });
    expect(remove.statusCode).toBe(409);
    expect(await roleOf(tenant, owner.userId)).toBe('owner');

    const second = await member(tenant, 'admin');
    expect((await patch(owner, second.userId, { role: 'owner' })).statusCode).toBe(204);
    expect((await patch(second, owner.userId, { role: 'agent' })).statusCode).toBe(204);
    expect(await roleOf(tenant, owner.userId)).toBe('agent');
  });

  it('two owners demoting each other at once leave one owner', async () => {
    const tenant = await newTenant(database.db);
    const one = await member(tenant, 'owner');
    const two = await member(tenant, 'owner');
    const results = await Promise.all([
      patch(one, two.userId, { role: 'admin' }),
      patch(two, one.userId, { role: 'admin' }),
    ]);
    const owners = await database.ownerDb
      .selectFrom('memberships')
      .select('userId')
      .where('tenantId', '=', tenant)
      .where('role', '=', 'owner')
      .execute();
    expect(owners).toHaveLength(1);
    // The loser is refused either as the last owner (409) or, when the winner committed first, as the
    // admin it has just become (403).
    const [first, second] = results.map((r) => r.statusCode).sort();
    expect(first).toBe(204);
    expect([403, 409]).toContain(second);
  });

  it('V15.3.3 a body with fields beyond the role (tenantId, userId) is rejected and changes nothing', async () => {
    const agent = await member(tenantA, 'agent');
    for (const extra of [
      { tenantId: tenantB },
      { userId: ownerB.userId },
      { role: 'admin', isAdmin: true },
    ]) {
      const response = await patch(ownerA, agent.userId, { role: 'admin', ...extra });
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
    }
    expect(await roleOf(tenantA, agent.userId)).toBe('agent');
    expect(await roleOf(tenantB, agent.userId)).toBeUndefined();
  });

  it('V8.4.1 addressing a user of another tenant is 404, never 403, and changes nothing', async () => {
    const agentB = await member(tenantB, 'agent');
    const change = await patch(ownerA, agentB.userId, { role: 'admin' });
    expect(change.statusCode).toBe(404);
    const removal = await app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${agentB.userId}`,
      headers: ownerA.headers,
    });
    expect(removal.statusCode).toBe(404);
    // Same answer as for an id that exists nowhere.
    const unknown = await patch(ownerA, '00000000-0000-4000-8000-000000000000', { role: 'admin' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toBe(change.json().error.message);
    expect(await roleOf(tenantB, agentB.userId)).toBe('agent');
  });
});

describe('DELETE /api/v1/members/:userId', () => {
  it("removes the membership (not the account), audited, and the removed member's session loses the workspace at once", async () => {
    const agent = await member(tenantA, 'agent');
    const response = await app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${agent.userId}`,
      headers: adminA.headers,
    });
    expect(response.statusCode).toBe(204);
    expect(await roleOf(tenantA, agent.userId)).toBeUndefined();
    const user = await database.ownerDb
      .selectFrom('users')
      .select('id')
      .where('id', '=', agent.userId)
      .execute();
    expect(user).toHaveLength(1);
    const entries = await auditActions(tenantA, 'member.removed');
    expect(entries.at(-1)).toMatchObject({
      actorUserId: adminA.userId,
      detail: { userId: agent.userId, role: 'agent' },
    });
    const after = await app.inject({ method: 'GET', url: '/api/v1/tenant', headers: agent.headers });
    expect(after.statusCode).toBe(403);
  });
});
