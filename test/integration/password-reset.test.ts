import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/accounts/passwords.js';
import { createMailTask } from '../../src/mail/mail.task.js';
import { smtpMailer } from '../../src/mail/mailer.js';
import type { Config } from '../../src/platform/config/config.js';
import { sha256 } from '../../src/platform/crypto/tokens.js';
import { createPool } from '../../src/platform/db/database.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createAccountTasks } from '../../src/tasks.js';
import { type FakeSmtpServer, startFakeSmtpServer, tokenFromMail } from '../fakes/smtp-server.js';
import { waitFor } from '../fixtures/wait-for.js';
import { ACCOUNT_PASSWORD, createAccount, sessionFor, totpCode } from '../support/account-session.js';
import { buildTestApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NEW_PASSWORD = 'marble otter sunrise 2231';
const PUBLIC_URL = 'https://app.leadline.test';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let smtp: FakeSmtpServer;
let workerPool: pg.Pool;
let worker: RunningWorker;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startFakeSmtpServer();
  ({ app, config } = await buildTestApp({ database, env: { PUBLIC_URL } }));
  workerPool = createPool({
    connectionString: database.appUrl,
    max: 4,
    applicationName: 'reset-test-worker',
  });
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: captureLogger().logger,
    tasks: [
      createMailTask({ mailer: smtpMailer(smtp.url, config.mail.from), secretKey: config.secretKey }),
      ...createAccountTasks({ db: database.db, config }),
    ],
    concurrency: 2,
    pollIntervalMs: 100,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
  });
});

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await app?.close();
  await smtp?.stop();
  await database?.drop();
});

const requestReset = (email: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
const confirm = (payload: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload });

const resetMails = (email: string) =>
  smtp.to(email).filter((mail) => /^Subject: Reset your Leadline password\r?$/m.test(mail.raw));

/** Requests a reset for `email` and reads the token from the mail the SMTP server receives. */
async function mailedResetToken(email: string): Promise<string> {
  const before = resetMails(email).length;
  expect((await requestReset(email)).statusCode).toBe(202);
  const mail = await waitFor(() => resetMails(email)[before], {
    timeoutMs: 10_000,
    description: `reset mail to ${email}`,
  });
  return tokenFromMail(mail.raw, '/reset-password');
}

const userRow = (id: string) =>
  database.ownerDb.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const liveSessions = async (userId: string) =>
  (
    await database.ownerDb
      .selectFrom('sessions')
      .select('id')
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .execute()
  ).length;

describe('requesting a reset', () => {
  it('V6.3.8 answers the same for an existing, an unknown and a disabled address', async () => {
    const { user } = await createAccount(database.db, config);
    const { user: disabled } = await createAccount(database.db, config, { disabled: true });
    const responses = await Promise.all(
      [user.email, 'nobody-here@example.com', disabled.email].map((email) => requestReset(email)),
    );
    for (const response of responses) expect(response.statusCode).toBe(202);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    await waitFor(() => smtp.to(user.email)[0], { timeoutMs: 10_000, description: 'the reset mail' });
    const tokens = await database.ownerDb.selectFrom('userTokens').select('userId').execute();
    expect(tokens.map((t) => t.userId)).toEqual([user.id]);
    expect(smtp.to('nobody-here@example.com')).toEqual([]);
    expect(smtp.to(disabled.email)).toEqual([]);
  });

  it('V14.2.1 mails a link carrying the token in the URL fragment; only its SHA-256 is stored', async () => {
    const { user } = await createAccount(database.db, config);
    const token = await mailedResetToken(user.email);
    const mail = resetMails(user.email).at(-1)!;
    expect(mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).toContain(
      `${PUBLIC_URL}/reset-password#token=${token}`,
    );
    expect(token.length).toBeGreaterThanOrEqual(43);
    const [row] = await database.ownerDb
      .selectFrom('userTokens')
      .selectAll()
      .where('userId', '=', user.id)
      .execute();
    expect(row!.tokenHash).toEqual(sha256(token));
    expect(row!.purpose).toBe('reset_password');
    const lifetime = row!.expiresAt.getTime() - row!.createdAt.getTime();
    expect(lifetime).toBeGreaterThan(29 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(30 * 60_000 + 1_000);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from audit_log where detail::text like ${`%${token}%`}`.execute(
      database.ownerDb,
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('a newer link does not void an older one (a request by someone else must not break the owner’s link); using one voids all', async () => {
    const { user } = await createAccount(database.db, config);
    const older = await mailedResetToken(user.email);
    const newer = await mailedResetToken(user.email);
    expect((await confirm({ token: older, password: NEW_PASSWORD })).statusCode).toBe(200);
    expect((await confirm({ token: newer, password: 'another fine password 77' })).statusCode).toBe(400);
  });
});

describe('confirming a reset', () => {
  it('V6.4.1 reset tokens are single-use and expire after 30 minutes', async () => {
    const { user } = await createAccount(database.db, config);
    const token = await mailedResetToken(user.email);
    const first = await confirm({ token, password: NEW_PASSWORD });
    expect(first.statusCode).toBe(200);
    const reused = await confirm({ token, password: 'another fine password 77' });
    expect(reused.statusCode).toBe(400);
    expect(await verifyPassword((await userRow(user.id)).passwordHash, NEW_PASSWORD)).toBe(true);

    const expiring = await mailedResetToken(user.email);
    await sql`update user_tokens set expires_at = now() - interval '1 second' where token_hash = ${sha256(expiring)}`.execute(
      database.ownerDb,
    );
    const expired = await confirm({ token: expiring, password: 'another fine password 77' });
    expect(expired.statusCode).toBe(400);
    const unknown = await confirm({ token: 'x'.repeat(43), password: 'another fine password 77' });
    expect(unknown.statusCode).toBe(400);
    // One message for every way a link can be bad.
    expect(new Set([reused, expired, unknown].map((r) => r.json().error.message)).size).toBe(1);
  });

  it('sets the new password, ends every session, counts the address as verified, audits and notifies', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    await sessionFor(database.db, config, user.id);
    expect(await liveSessions(user.id)).toBe(2);
    const token = await mailedResetToken(user.email);

    expect((await confirm({ token, password: NEW_PASSWORD })).statusCode).toBe(200);
    const row = await userRow(user.id);
    expect(await verifyPassword(row.passwordHash, NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(row.passwordHash, ACCOUNT_PASSWORD)).toBe(false);
    expect(row.passwordChangedAt.getTime()).toBeGreaterThan(user.passwordChangedAt.getTime());
    expect(row.emailVerifiedAt).not.toBeNull();
    expect(await liveSessions(user.id)).toBe(0);
    const after = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/two-factor',
      headers: session.headers,
    });
    expect(after.statusCode).toBe(401);

    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'detail'])
      .where('actorUserId', '=', user.id)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'auth.password_reset.requested', detail: {} },
      {
        action: 'auth.address.proven',
        detail: { via: 'password_reset', hadTwoFactor: false, sessionsRevoked: 0 },
      },
      {
        action: 'auth.password_reset.completed',
        detail: { sessionsRevoked: 2, secondFactor: null, addressProvenNow: true },
      },
    ]);
    await waitFor(
      () => smtp.to(user.email).find((m) => m.raw.includes('Subject: Your Leadline password was reset')),
      {
        timeoutMs: 10_000,
        description: 'the notice',
      },
    );
  });

  it('V6.2.4 refuses a common password and leaves the link usable', async () => {
    const { user } = await createAccount(database.db, config);
    const token = await mailedResetToken(user.email);
    const weak = await confirm({ token, password: 'password123' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.details).toEqual([{ path: 'password', message: 'too_common' }]);
    expect((await confirm({ token, password: NEW_PASSWORD })).statusCode).toBe(200);
  });

  it('V6.4.3 password reset does not bypass two-factor authentication (of an account whose address is proven)', async () => {
    const { user, secret } = await createAccount(database.db, config, { twoFactor: true, verified: true });
    const token = await mailedResetToken(user.email);

    const withoutCode = await confirm({ token, password: NEW_PASSWORD });
    expect(withoutCode.statusCode).toBe(400);
    expect(withoutCode.json().error.details).toEqual([{ path: 'totpCode', message: 'two_factor_required' }]);
    const wrongCode = await confirm({ token, password: NEW_PASSWORD, totpCode: '000000' });
    expect(wrongCode.statusCode).toBe(400);
    expect(await verifyPassword((await userRow(user.id)).passwordHash, ACCOUNT_PASSWORD)).toBe(true);

    const withCode = await confirm({ token, password: NEW_PASSWORD, totpCode: await totpCode(secret!) });
    expect(withCode.statusCode).toBe(200);
    expect(await verifyPassword((await userRow(user.id)).passwordHash, NEW_PASSWORD)).toBe(true);
    // Two-factor authentication stays on after a reset.
    expect((await userRow(user.id)).totpEnabledAt).not.toBeNull();
  });

  it('V6.4.3 a recovery code also completes a reset of a two-factor account, once', async () => {
    const { user } = await createAccount(database.db, config, { verified: true });
    const session = await sessionFor(database.db, config, user.id);
    const setup = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/two-factor/setup',
      headers: session.headers,
    });
    const enabled = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/two-factor/enable',
      headers: session.headers,
      payload: { code: await totpCode(setup.json().secret) },
    });
    const [recoveryCode] = enabled.json().recoveryCodes as string[];

    const token = await mailedResetToken(user.email);
    expect((await confirm({ token, password: NEW_PASSWORD, recoveryCode: recoveryCode! })).statusCode).toBe(
      200,
    );
    const again = await mailedResetToken(user.email);
    expect(
      (await confirm({ token: again, password: 'another fine password 77', recoveryCode: recoveryCode! }))
        .statusCode,
    ).toBe(400);
  });
});
