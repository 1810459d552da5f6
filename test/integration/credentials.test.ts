import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendVerificationEmail } from '../../src/accounts/email-verification.service.js';
import { verifyPassword } from '../../src/accounts/passwords.js';
import type { Config } from '../../src/platform/config/config.js';
import { ACCOUNT_PASSWORD, createAccount, sessionFor } from '../support/account-session.js';
import { buildTestApp } from '../support/app.js';
import { mailedToken, queuedMails } from '../support/queued-mail.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NEW_PASSWORD = 'copper lantern meadow 5150';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const post = (url: string, headers: Record<string, string>, payload?: object) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
const userRow = (id: string) =>
  database.ownerDb.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const actions = async (userId: string) =>
  (
    await database.ownerDb
      .selectFrom('auditLog')
      .select('action')
      .where('actorUserId', '=', userId)
      .orderBy('id')
      .execute()
  ).map((row) => row.action);
const stale = (sessionId: string) =>
  sql`update sessions set authenticated_at = now() - interval '1 hour' where id = ${sessionId}`.execute(
    database.ownerDb,
  );

describe('POST /api/v1/auth/password', () => {
  it('V7.5.1 needs a recent sign-in', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    await stale(session.sessionId);
    const response = await post('/api/v1/auth/password', session.headers, {
      currentPassword: ACCOUNT_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(response.statusCode).toBe(403);
    expect(await verifyPassword((await userRow(user.id)).passwordHash, ACCOUNT_PASSWORD)).toBe(true);
  });

  it('needs the current password, audits a wrong one and limits guesses', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const response = await post('/api/v1/auth/password', session.headers, {
        currentPassword: `wrong guess ${attempt}`,
        newPassword: NEW_PASSWORD,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    expect((await actions(user.id)).filter((a) => a === 'auth.password_change.failed')).toHaveLength(5);
  });

  it('V7.4.3 changes the password and ends every other session, not this one', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const other = await sessionFor(database.db, config, user.id);
    const response = await post('/api/v1/auth/password', session.headers, {
      currentPassword: ACCOUNT_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ otherSessionsRevoked: 1 });
    expect(await verifyPassword((await userRow(user.id)).passwordHash, NEW_PASSWORD)).toBe(true);
    const status = (headers: Record<string, string>) =>
      app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers }).then((r) => r.statusCode);
    expect(await status(session.headers)).toBe(200);
    expect(await status(other.headers)).toBe(401);
    expect(await actions(user.id)).toEqual(['auth.password.changed']);
    expect((await queuedMails(database.ownerDb, user.email)).map((m) => m.subject)).toEqual([
      'Your Leadline password was changed',
    ]);
  });

  it('V6.2.1 applies the password rules to the new password', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const response = await post('/api/v1/auth/password', session.headers, {
      currentPassword: ACCOUNT_PASSWORD,
      newPassword: 'short',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details).toEqual([{ path: 'password', message: 'too_short' }]);
  });
});

describe('e-mail verification', () => {
  it('a mailed link verifies the address, once', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    expect((await post('/api/v1/auth/verify-email/request', session.headers)).statusCode).toBe(202);
    const token = await mailedToken(database.ownerDb, user.email);
    const mail = (await queuedMails(database.ownerDb, user.email)).at(-1)!;
    expect(mail.text).toContain(`${config.http.publicUrl}/verify-email#token=`);

    const verify = () => app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
    const first = await verify();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ outcome: 'verified' });
    expect((await userRow(user.id)).emailVerifiedAt).not.toBeNull();
    expect((await verify()).statusCode).toBe(400);
    expect(await actions(user.id)).toEqual(['auth.email_verification.requested', 'auth.email.verified']);
  });

  it('sendVerificationEmail queues the link in the caller transaction (nothing if it rolls back)', async () => {
    const { user } = await createAccount(database.db, config);
    class Rollback extends Error {}
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sendVerificationEmail(trx, config, user, { requestId: 'req-rollback' });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await queuedMails(database.ownerDb, user.email)).toEqual([]);
    await database.db
      .transaction()
      .execute((trx) => sendVerificationEmail(trx, config, user, { requestId: 'req-commit' }));
    expect(await queuedMails(database.ownerDb, user.email)).toHaveLength(1);
  });
});

describe('POST /api/v1/auth/email', () => {
  it('V7.5.1 needs a recent sign-in', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    await stale(session.sessionId);
    const response = await post('/api/v1/auth/email', session.headers, { email: 'elsewhere@example.com' });
    expect(response.statusCode).toBe(403);
  });

  it('changes the address only when the new address confirms it, and tells the old one', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const newEmail = `moved-${user.id.slice(0, 8)}@example.com`;
    const response = await post('/api/v1/auth/email', session.headers, { email: newEmail.toUpperCase() });
    expect(response.statusCode).toBe(202);
    expect((await userRow(user.id)).email).toBe(user.email);
    expect((await queuedMails(database.ownerDb, user.email)).map((m) => m.subject)).toEqual([
      'Your Leadline e-mail address is being changed',
    ]);

    const token = await mailedToken(database.ownerDb, newEmail);
    const confirmed = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      payload: { token },
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ outcome: 'changed' });
    const row = await userRow(user.id);
    expect(row.email).toBe(newEmail);
    expect(row.emailVerifiedAt).not.toBeNull();
    expect((await queuedMails(database.ownerDb, user.email)).map((m) => m.subject)).toContain(
      'Your Leadline e-mail address was changed',
    );
    expect(await actions(user.id)).toEqual(['auth.email_change.requested', 'auth.email.changed']);
  });

  it('V6.3.8 does not reveal that the new address has an account: same answer, no link', async () => {
    const { user } = await createAccount(database.db, config);
    const { user: taken } = await createAccount(database.db, config, { verified: true });
    const session = await sessionFor(database.db, config, user.id);
    const response = await post('/api/v1/auth/email', session.headers, { email: taken.email });
    expect(response.statusCode).toBe(202);
    expect(await queuedMails(database.ownerDb, taken.email)).toEqual([]);
    expect((await userRow(user.id)).email).toBe(user.email);
  });

  it('an account that never proved its address gives it up to the mover who proves it', async () => {
    const { user } = await createAccount(database.db, config, { verified: true });
    const { user: squatter } = await createAccount(database.db, config, { twoFactor: true });
    const squatterSession = await sessionFor(database.db, config, squatter.id);
    const session = await sessionFor(database.db, config, user.id);
    const response = await post('/api/v1/auth/email', session.headers, { email: squatter.email });
    expect(response.statusCode).toBe(202);
    const token = await mailedToken(database.ownerDb, squatter.email);
    const confirmed = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      payload: { token },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect((await userRow(user.id)).email).toBe(squatter.email);
    const released = await userRow(squatter.id);
    expect(released.email).toBe(`released-${squatter.id}@address-released.invalid`);
    expect(released.disabledAt).not.toBeNull();
    expect(released.totpEnabledAt).toBeNull();
    const gone = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: squatterSession.headers,
    });
    expect(gone.statusCode).toBe(401);
  });
});
