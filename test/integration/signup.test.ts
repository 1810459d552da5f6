import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { issueSession } from '../../src/accounts/sessions.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { runAccountJobs } from '../support/account-jobs.js';
import { buildTestApp } from '../support/app.js';
import { queuedMails } from '../support/queued-mail.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PASSWORD = 'a long and uncommon passphrase 7';

let database: TestDatabase;
let open: FastifyInstance;
let closed: FastifyInstance;
let config: Config;
let counter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app: open, config } = await buildTestApp({ database, env: { OPEN_SIGNUP: 'true' } }));
  ({ app: closed } = await buildTestApp({ database }));
});

afterAll(async () => {
  await open?.close();
  await closed?.close();
  await database?.drop();
});

const freshAddress = () => `signup-${++counter}-${Date.now()}@example.com`;

/** A sign-up request, then its job (the answer comes first; the account is made by the job). */
async function signup(app: FastifyInstance, payload: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload });
  await runAccountJobs(database, config);
  return response;
}

const form = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  password: PASSWORD,
  displayName: 'Grace Hopper',
  workspaceName: 'Hopper & Co',
  ...extra,
});

async function counts() {
  const users = await database.ownerDb
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const tenants = await database.ownerDb
    .selectFrom('tenants')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return { users: Number(users.n), tenants: Number(tenants.n) };
}

describe('sign-up closed (the default)', () => {
  it('answers 404 to every sign-up request, valid or not, and creates nothing', async () => {
    const before = await counts();
    for (const payload of [form(freshAddress()), {}, { email: 'x' }]) {
      const response = await signup(closed, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect(await counts()).toEqual(before);
  });
});

describe('sign-up open (OPEN_SIGNUP=true)', () => {
  it('creates the user, a workspace and its owner membership, and mails a verification link', async () => {
    const email = freshAddress();
    const response = await signup(open, form(email));
    expect(response.statusCode).toBe(202);

    const user = await database.ownerDb
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user.emailVerifiedAt).toBeNull();
    expect(user.displayName).toBe('Grace Hopper');
    const membership = await database.ownerDb
      .selectFrom('memberships as m')
      .innerJoin('tenants as t', 't.id', 'm.tenantId')
      .select(['m.role', 't.name', 't.id'])
      .where('m.userId', '=', user.id)
      .execute();
    expect(membership).toEqual([expect.objectContaining({ role: 'owner', name: 'Hopper & Co' })]);

    const mails = await queuedMails(database.ownerDb, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/\/verify-email#token=/);

    // The new owner works in the new workspace once signed in.
    const session = await issueSession(database.db, config, {
      userId: user.id,
      activeTenantId: membership[0]!.id,
      mfaPending: false,
      context: { requestId: 't', ip: '127.0.0.1', userAgent: undefined },
    });
    const tenant = await open.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { cookie: `${SESSION_COOKIE}=${session.token}`, [CSRF_HEADER]: session.csrfToken },
    });
    expect(tenant.json()).toMatchObject({ id: membership[0]!.id, name: 'Hopper & Co' });
  });

  it('V6.3.8 answers an existing address exactly like a new one, creates nothing and mails the owner instead', async () => {
    const email = freshAddress();
    const first = await signup(open, form(email));
    const original = await database.ownerDb
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    const before = await counts();

    const again = await signup(
      open,
      form(email.toUpperCase(), { password: `${PASSWORD} changed`, workspaceName: 'Hijack' }),
    );
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['set-cookie']).toBe(first.headers['set-cookie']);
    expect(await counts()).toEqual(before);

    const after = await database.ownerDb
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(after.passwordHash).toBe(original.passwordHash);
    const mails = await queuedMails(database.ownerDb, email);
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Confirm your e-mail address for Leadline',
      'You already have a Leadline account',
    ]);
  });

  it('V6.2.4 refuses a too short or common password before anything else, for known and new addresses alike', async () => {
    const known = freshAddress();
    await signup(open, form(known));
    for (const email of [known, freshAddress()]) {
      for (const password of ['short', 'password123']) {
        const response = await signup(open, form(email, { password }));
        expect(response.statusCode, `${email} ${password}`).toBe(400);
      }
    }
  });

  it('V15.3.3 refuses fields beyond the form (role, tenantId, emailVerifiedAt)', async () => {
    const before = await counts();
    for (const extra of [
      { role: 'admin' },
      { tenantId: '00000000-0000-4000-8000-000000000000' },
      { emailVerifiedAt: '2020-01-01T00:00:00Z' },
    ]) {
      const response = await signup(open, form(freshAddress(), extra));
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
    }
    expect(await counts()).toEqual(before);
  });
});
