import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import type { Config } from '../../src/platform/config/config.js';
import { sha256 } from '../../src/platform/crypto/tokens.js';
import { buildTestApp } from '../support/app.js';
import { mailedToken, queuedMails } from '../support/queued-mail.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PUBLIC_URL = 'https://leadline.example.test';
const PASSWORD = 'a long and uncommon passphrase 7';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantA: string;
let tenantB: string;
let ownerA: SignedInMember;
let adminA: SignedInMember;
let ownerB: SignedInMember;
let counter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database, env: { PUBLIC_URL } }));
  tenantA = await newTenant(database.db, 'Alpha');
  tenantB = await newTenant(database.db, 'Beta');
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  adminA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'admin' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const freshAddress = () => `invitee-${++counter}-${Date.now()}@example.com`;

function invite(by: SignedInMember, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/v1/invitations', headers: by.headers, payload });
}

async function invited(by: SignedInMember, email: string, role: 'owner' | 'admin' | 'agent' = 'agent') {
  const response = await invite(by, { email, role });
  expect(response.statusCode, response.body).toBe(201);
  return { id: response.json().id as string, token: await mailedToken(database.ownerDb, email) };
}

function accept(payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload });
}

function cookieFrom(response: { cookies: { name: string; value: string }[] }): string {
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error('no session cookie');
  return `${SESSION_COOKIE}=${cookie.value}`;
}

async function emailOf(userId: string): Promise<string> {
  const row = await database.ownerDb
    .selectFrom('users')
    .select('email')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.email;
}

async function invitationRow(id: string) {
  return database.ownerDb
    .selectFrom('invitations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('POST /api/v1/invitations', () => {
  it('stores only the hash of a single-use token, expiring in 7 days, and mails the accept link', async () => {
    const response = await invite(ownerA, { email: '  New.Person@EXAMPLE.com ', role: 'agent' });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ email: 'new.person@example.com', role: 'agent', invitedBy: ownerA.userId });
    expect(JSON.stringify(body)).not.toMatch(/token/i);

    const [mail] = await queuedMails(database.ownerDb, 'new.person@example.com');
    expect(mail?.text).toContain(`${PUBLIC_URL}/accept-invitation#token=`);
    const token = await mailedToken(database.ownerDb, 'new.person@example.com');
    expect(token.length).toBeGreaterThanOrEqual(43);
    const row = await invitationRow(body.id);
    expect(row.tokenHash.equals(sha256(token))).toBe(true);
    expect(row.tenantId).toBe(tenantA);
    const days = (row.expiresAt.getTime() - row.createdAt.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 2);

    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .selectAll()
      .where('action', '=', 'invitation.created')
      .where('tenantId', '=', tenantA)
      .execute();
    expect(audit.map((entry) => entry.detail.invitationId)).toContain(body.id);
  });

  it('V8.2.2 an admin cannot invite an owner; an agent cannot invite at all', async () => {
    expect((await invite(adminA, { email: freshAddress(), role: 'owner' })).statusCode).toBe(403);
    expect((await invite(adminA, { email: freshAddress(), role: 'admin' })).statusCode).toBe(201);
    const agent = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
    expect((await invite(agent, { email: freshAddress(), role: 'agent' })).statusCode).toBe(403);
  });

  it('V15.3.3 refuses fields beyond email and role (tenantId, expiresAt)', async () => {
    const email = freshAddress();
    for (const extra of [
      { tenantId: tenantB },
      { expiresAt: '2099-01-01T00:00:00Z' },
      { invitedBy: ownerB.userId },
    ]) {
      const response = await invite(ownerA, { email, role: 'agent', ...extra });
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
    }
    expect(await queuedMails(database.ownerDb, email)).toEqual([]);
  });

  it('refuses an invalid or look-alike address', async () => {
    for (const email of ['not-an-address', 'a\u200b@example.com', 'x@exa mple.com']) {
      expect((await invite(ownerA, { email, role: 'agent' })).statusCode, email).toBe(400);
    }
  });

  it('refuses to invite a current member (409)', async () => {
    const response = await invite(ownerA, { email: await emailOf(adminA.userId), role: 'agent' });
    expect(response.statusCode).toBe(409);
  });

  it('a new invitation to the same address replaces the pending one', async () => {
    const email = freshAddress();
    const first = await invited(ownerA, email);
    const second = await invited(ownerA, email);
    expect((await accept({ token: first.token, password: PASSWORD })).statusCode).toBe(400);
    expect((await accept({ token: second.token, password: PASSWORD })).statusCode).toBe(201);
  });
});

describe('GET and DELETE /api/v1/invitations', () => {
  it('lists pending invitations of the current tenant only, and revokes one (audited)', async () => {
    const email = freshAddress();
    const { id, token } = await invited(ownerA, email);
    const listA = await app.inject({ method: 'GET', url: '/api/v1/invitations', headers: ownerA.headers });
    expect(listA.json().items.map((i: { id: string }) => i.id)).toContain(id);
    const listB = await app.inject({ method: 'GET', url: '/api/v1/invitations', headers: ownerB.headers });
    expect(listB.json().items.map((i: { id: string }) => i.id)).not.toContain(id);

    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/invitations/${id}`,
      headers: adminA.headers,
    });
    expect(revoke.statusCode).toBe(204);
    const after = await app.inject({ method: 'GET', url: '/api/v1/invitations', headers: ownerA.headers });
    expect(after.json().items.map((i: { id: string }) => i.id)).not.toContain(id);
    expect((await accept({ token, password: PASSWORD })).statusCode).toBe(400);
    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select('detail')
      .where('action', '=', 'invitation.revoked')
      .where('tenantId', '=', tenantA)
      .execute();
    expect(audit.map((entry) => entry.detail.invitationId)).toContain(id);
  });

  it("V8.4.1 revoking another tenant's invitation is 404 and leaves it usable", async () => {
    const email = freshAddress();
    const { id } = await invited(ownerB, email);
    const response = await app.inject({
      method: 'DELETE',
      url: `/api/v1/invitations/${id}`,
      headers: ownerA.headers,
    });
    expect(response.statusCode).toBe(404);
    expect((await invitationRow(id)).revokedAt).toBeNull();
  });
});

describe('POST /api/v1/invitations/accept (no account yet)', () => {
  it('creates the account with a verified address, adds the membership and signs the user in', async () => {
    const email = freshAddress();
    const { id, token } = await invited(ownerA, email, 'admin');
    const response = await accept({ token, password: PASSWORD, displayName: 'Ada Lovelace' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ tenantId: tenantA, role: 'admin' });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toContain(`${SESSION_COOKIE}=`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);

    const user = await database.ownerDb
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user.id).toBe(response.json().userId);
    expect(user.displayName).toBe('Ada Lovelace');
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect((await invitationRow(id)).acceptedAt).not.toBeNull();

    const headers = { cookie: cookieFrom(response), 'x-csrf-token': response.json().csrfToken };
    const tenant = await app.inject({ method: 'GET', url: '/api/v1/tenant', headers });
    expect(tenant.statusCode).toBe(200);
    expect(tenant.json().id).toBe(tenantA);
    const invitations = await app.inject({ method: 'GET', url: '/api/v1/invitations', headers });
    expect(invitations.statusCode).toBe(200);

    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .selectAll()
      .where('action', '=', 'invitation.accepted')
      .where('actorUserId', '=', user.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ invitationId: id, role: 'admin', accountCreated: true });
  });

  it('a token works once: a second use, an unknown, an expired and a revoked token get the same 400', async () => {
    const used = await invited(ownerA, freshAddress());
    expect((await accept({ token: used.token, password: PASSWORD })).statusCode).toBe(201);
    const expired = await invited(ownerA, freshAddress());
    await database.ownerDb
      .updateTable('invitations')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    const revoked = await invited(ownerA, freshAddress());
    await app.inject({ method: 'DELETE', url: `/api/v1/invitations/${revoked.id}`, headers: ownerA.headers });

    const answers = [];
    for (const token of [used.token, 'x'.repeat(43), expired.token, revoked.token]) {
      const response = await accept({ token, password: PASSWORD });
      expect(response.statusCode).toBe(400);
      answers.push(response.json().error.message);
    }
    expect(new Set(answers).size).toBe(1);
  });

  it('V6.2.4 refuses a common password and leaves the invitation usable', async () => {
    const { token } = await invited(ownerA, freshAddress());
    const weak = await accept({ token, password: 'password123' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.details).toEqual([{ path: 'password', message: 'too_common' }]);
    expect((await accept({ token, password: PASSWORD })).statusCode).toBe(201);
  });

  it('two concurrent accepts of one token create one account', async () => {
    const email = freshAddress();
    const { token } = await invited(ownerA, email);
    const results = await Promise.all([
      accept({ token, password: PASSWORD }),
      accept({ token, password: `${PASSWORD}!` }),
    ]);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const users = await database.ownerDb
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .execute();
    expect(users).toHaveLength(1);
  });

  it('refuses an address that already has an account with a proven address (403), without using the invitation up', async () => {
    const existing = await signedInMember(database.db, config, { tenantId: tenantB, role: 'agent' });
    // (An unproven one is taken over instead: see account-takeover.test.ts.)
    await database.ownerDb
      .updateTable('users')
      .set({ emailVerifiedAt: new Date() })
      .where('id', '=', existing.userId)
      .execute();
    const { id, token } = await invited(ownerA, await emailOf(existing.userId));
    const response = await accept({ token, password: PASSWORD });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect((await invitationRow(id)).acceptedAt).toBeNull();
  });
});

describe('POST /api/v1/invitations/accept-signed-in (existing account)', () => {
  const acceptSignedIn = (by: SignedInMember, token: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept-signed-in',
      headers: by.headers,
      payload: { token },
    });

  it('adds the membership to the signed-in invited account, with the invited role', async () => {
    const existing = await signedInMember(database.db, config, { tenantId: tenantB, role: 'agent' });
    const { id, token } = await invited(ownerA, await emailOf(existing.userId), 'admin');
    const response = await acceptSignedIn(existing, token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ tenantId: tenantA, userId: existing.userId, role: 'admin' });
    const membership = await database.ownerDb
      .selectFrom('memberships')
      .select('role')
      .where('tenantId', '=', tenantA)
      .where('userId', '=', existing.userId)
      .executeTakeFirst();
    expect(membership?.role).toBe('admin');
    expect((await invitationRow(id)).acceptedAt).not.toBeNull();
    expect((await acceptSignedIn(existing, token)).statusCode).toBe(400);
  });

  it('refuses a signed-in user who is not the invited address (403) and leaves the invitation unused', async () => {
    const invitee = await signedInMember(database.db, config, { tenantId: tenantB, role: 'agent' });
    const intruder = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
    const { id, token } = await invited(ownerA, await emailOf(invitee.userId));
    expect((await acceptSignedIn(intruder, token)).statusCode).toBe(403);
    expect((await invitationRow(id)).acceptedAt).toBeNull();
  });

  it('requires a session and its CSRF token', async () => {
    const invitee = await signedInMember(database.db, config, { tenantId: tenantB, role: 'agent' });
    const { token } = await invited(ownerA, await emailOf(invitee.userId));
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept-signed-in',
      payload: { token },
    });
    expect(anonymous.statusCode).toBe(401);
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept-signed-in',
      headers: { cookie: invitee.headers.cookie ?? '' },
      payload: { token },
    });
    expect(noCsrf.statusCode).toBe(403);
  });
});
