import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { DEVICE_COOKIE } from '../../src/accounts/trusted-device.js';
import type { Config } from '../../src/platform/config/config.js';
import { AppError } from '../../src/platform/http/app-error.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { runAccountJobs } from '../support/account-jobs.js';
import { totpCode } from '../support/account-session.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { mailedToken, queuedMails } from '../support/queued-mail.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The account attacks of issue 11, each performed as the probe performed it: squatting an unproven
 * address under open sign-up, blocking someone's password reset, flooding a mailbox through sign-up, and
 * locking the owner out of their second factor.
 */

const ATTACKER_PASSWORD = 'squatter owns this 4471';
const OWNER_PASSWORD = 'the real owner chose 8820';
const ATTACKER_IP = '198.51.100.66';
const OWNER_IP = '203.0.113.20';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let inviter: SignedInMember;
let counter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({
    database,
    env: { OPEN_SIGNUP: 'true' },
    extraRoutes: (scope) => {
      // A 429 thrown without a wait: the error handler must still say when to come back.
      scope.get('/test/limited', { config: { access: 'public' } }, async () => {
        throw new AppError('rate_limited', 'Too many');
      });
    },
  }));
  const tenantId = await newTenant(database.db, 'Victim Corp');
  inviter = await signedInMember(database.db, config, { tenantId, role: 'owner' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const victimAddress = () => `victim-${++counter}-${Date.now()}@example.com`;

function post(
  url: string,
  payload: unknown,
  options: { ip?: string; headers?: Record<string, string> } = {},
) {
  return app.inject({
    method: 'POST',
    url,
    payload: payload as Record<string, unknown>,
    remoteAddress: options.ip ?? OWNER_IP,
    headers: options.headers ?? {},
  });
}

function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  return response.cookies.find((c) => c.name === name)?.value;
}

/** Signs in with a password; returns the (possibly mfa-pending) session's headers. */
async function passwordSignIn(email: string, password: string, ip: string, device?: string) {
  const response = await post('/api/v1/auth/login', { email, password }, { ip });
  if (response.statusCode !== 200) return { response, headers: undefined };
  const cookies = [`${SESSION_COOKIE}=${cookieValue(response, SESSION_COOKIE)}`];
  if (device) cookies.push(`${DEVICE_COOKIE}=${device}`);
  return {
    response,
    headers: { cookie: cookies.join('; '), [CSRF_HEADER]: response.json().csrfToken as string },
  };
}

const userRow = (email: string) =>
  database.ownerDb.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();

/**
 * The attack of item 1: sign up with the victim's address, never confirm it, sign in and turn on
 * two-factor authentication. Returns the squatter's session and TOTP seed.
 */
async function squat(email: string) {
  const signup = await post(
    '/api/v1/auth/signup',
    { email, password: ATTACKER_PASSWORD, displayName: 'Squatter', workspaceName: 'Squat' },
    { ip: ATTACKER_IP },
  );
  expect(signup.statusCode).toBe(202);
  await runAccountJobs(database, config);
  const { headers } = await passwordSignIn(email, ATTACKER_PASSWORD, ATTACKER_IP);
  if (!headers) throw new Error('the squatter could not sign in');
  const setup = await post('/api/v1/auth/two-factor/setup', {}, { ip: ATTACKER_IP, headers });
  expect(setup.statusCode).toBe(200);
  const secret = setup.json().secret as string;
  const enabled = await post(
    '/api/v1/auth/two-factor/enable',
    { code: await totpCode(secret) },
    { ip: ATTACKER_IP, headers },
  );
  expect(enabled.statusCode).toBe(200);
  expect((await userRow(email)).emailVerifiedAt).toBeNull();
  return { headers, secret };
}

async function squatterIsOut(email: string, squatterHeaders: Record<string, string>) {
  const session = await app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: squatterHeaders });
  expect(session.statusCode).toBe(401);
  const again = await post('/api/v1/auth/login', { email, password: ATTACKER_PASSWORD }, { ip: ATTACKER_IP });
  expect(again.statusCode).toBe(401);
  const row = await userRow(email);
  expect(row.totpEnabledAt).toBeNull();
  expect(row.emailVerifiedAt).not.toBeNull();
}

describe('squatting an unproven address (OPEN_SIGNUP=true)', () => {
  it('an invitation proves the address: the invitee takes the squatted account over', async () => {
    const email = victimAddress();
    const squatter = await squat(email);
    const invitation = await post(
      '/api/v1/invitations',
      { email, role: 'agent' },
      { headers: inviter.headers },
    );
    expect(invitation.statusCode).toBe(201);
    const token = await mailedToken(database.ownerDb, email);

    const accepted = await post('/api/v1/invitations/accept', { token, password: OWNER_PASSWORD });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().tenantId).toBe(inviter.tenantId);

    await squatterIsOut(email, squatter.headers);
    const owner = await passwordSignIn(email, OWNER_PASSWORD, OWNER_IP);
    expect(owner.response.statusCode).toBe(200);
    expect(owner.response.json().mfaRequired).toBe(false);
  });

  it('a reset link proves the address: the squatter’s second factor is not demanded, and it is gone', async () => {
    const email = victimAddress();
    const squatter = await squat(email);
    expect((await post('/api/v1/auth/password-reset', { email })).statusCode).toBe(202);
    await runAccountJobs(database, config);
    const token = await mailedToken(database.ownerDb, email);

    const confirmed = await post('/api/v1/auth/password-reset/confirm', { token, password: OWNER_PASSWORD });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    await squatterIsOut(email, squatter.headers);
    const owner = await passwordSignIn(email, OWNER_PASSWORD, OWNER_IP);
    expect(owner.response.json().mfaRequired).toBe(false);
  });

  it('the owner’s own sign-up is told how to take the squatted account over', async () => {
    const email = victimAddress();
    await squat(email);
    const signup = await post('/api/v1/auth/signup', {
      email,
      password: OWNER_PASSWORD,
      displayName: 'Owner',
      workspaceName: 'Mine',
    });
    expect(signup.statusCode).toBe(202);
    await runAccountJobs(database, config);
    const mail = (await queuedMails(database.ownerDb, email)).find(
      (m) => m.subject === 'You already have a Leadline account',
    );
    expect(mail?.text).toContain('reset its password there: the reset link proves this address is yours');
  });

  it('`leadline admin reset-2fa --email` turns two-factor off, ends every session and is audited', async () => {
    const email = victimAddress();
    const squatter = await squat(email);
    const cwd = mkdtempSync(path.join(tmpdir(), 'leadline-reset-2fa-'));
    try {
      const result = await runLeadline(
        ['admin', 'reset-2fa', '--email', email],
        {
          NODE_ENV: 'test',
          SECRET_KEY: TEST_SECRET_KEY,
          DATA_DIR: cwd,
          DATABASE_URL: database.ownerUrl,
          DATABASE_APP_URL: database.appUrl,
          LOG_LEVEL: 'warn',
        },
        cwd,
        60_000,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`turned off two-factor authentication for ${email}; ended`);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    expect((await userRow(email)).totpEnabledAt).toBeNull();
    const session = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: squatter.headers,
    });
    expect(session.statusCode).toBe(401);
    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'detail'])
      .where('action', '=', 'user.two_factor_reset')
      .execute();
    expect(audit.map((a) => a.detail)).toContainEqual(
      expect.objectContaining({ email, hadTwoFactor: true, sessionsRevoked: 1 }),
    );
    expect((await queuedMails(database.ownerDb, email)).map((m) => m.subject)).toContain(
      'Two-factor authentication was reset',
    );
  }, 90_000);
});

describe('blocking someone’s password reset', () => {
  it('a flood from many addresses neither stops the owner’s reset nor drops their request silently', async () => {
    const email = victimAddress();
    await post('/api/v1/auth/signup', {
      email,
      password: OWNER_PASSWORD,
      displayName: 'O',
      workspaceName: 'W',
    });
    await runAccountJobs(database, config);
    const mailsBefore = (await queuedMails(database.ownerDb, email)).length;

    // The attacker asks again and again from one address, then from many.
    const fromOneIp = [];
    for (let i = 0; i < 5; i++)
      fromOneIp.push(await post('/api/v1/auth/password-reset', { email }, { ip: ATTACKER_IP }));
    expect(fromOneIp.map((r) => r.statusCode)).toEqual([202, 202, 202, 429, 429]);
    for (const refused of fromOneIp.slice(3))
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 30; i++) {
      const response = await post('/api/v1/auth/password-reset', { email }, { ip: `198.51.100.${100 + i}` });
      expect(response.statusCode).toBe(202);
    }

    // The owner's own request is answered, telling them links are in their mailbox.
    const own = await post('/api/v1/auth/password-reset', { email }, { ip: OWNER_IP });
    expect(own.statusCode).toBe(202);
    expect(own.json().message).toContain('within the last 30 minutes and still work');

    await runAccountJobs(database, config);
    const resetMails = (await queuedMails(database.ownerDb, email))
      .slice(mailsBefore)
      .filter((m) => m.subject === 'Reset your Leadline password');
    // The mailbox was not flooded (one window's worth), and the links in it work: the oldest one too.
    expect(resetMails.length).toBe(3);
    const oldest = /#token=([A-Za-z0-9_-]+)/.exec(resetMails[0]!.text)![1]!;
    const confirmed = await post('/api/v1/auth/password-reset/confirm', {
      token: oldest,
      password: 'my own new password 5150',
    });
    expect(confirmed.statusCode).toBe(200);
  });

  it('the answer is the same for an unknown address, through every stage', async () => {
    const known = victimAddress();
    await post('/api/v1/auth/signup', {
      email: known,
      password: OWNER_PASSWORD,
      displayName: 'O',
      workspaceName: 'W',
    });
    await runAccountJobs(database, config);
    const unknown = victimAddress();
    for (let i = 0; i < 5; i++) {
      const [a, b] = [
        await post('/api/v1/auth/password-reset', { email: known }, { ip: ATTACKER_IP }),
        await post('/api/v1/auth/password-reset', { email: unknown }, { ip: ATTACKER_IP }),
      ];
      expect(b.statusCode).toBe(a.statusCode);
      expect(b.json().message ?? b.json().error.message).toBe(a.json().message ?? a.json().error.message);
    }
  });
});

describe('mail flood through sign-up', () => {
  it('51 sign-ups for an existing address from many addresses send at most 3 "already have an account" mails; the owner’s reset still arrives', async () => {
    const email = victimAddress();
    await post('/api/v1/auth/signup', {
      email,
      password: OWNER_PASSWORD,
      displayName: 'O',
      workspaceName: 'W',
    });
    await runAccountJobs(database, config);
    for (let i = 0; i < 51; i++) {
      const response = await post(
        '/api/v1/auth/signup',
        { email, password: `${ATTACKER_PASSWORD} ${i}`, displayName: 'X', workspaceName: 'Y' },
        { ip: `198.51.100.${i + 1}` },
      );
      expect(response.statusCode).toBe(202);
    }
    await runAccountJobs(database, config);
    const existing = (await queuedMails(database.ownerDb, email)).filter(
      (m) => m.subject === 'You already have a Leadline account',
    );
    // Three sign-ups of the address a day get a mail; the one that created the account was the first.
    expect(existing).toHaveLength(2);
    // The cap cannot be turned against the owner: the mail carries no link (an earlier one says the
    // same), and the reset path has limits of its own.
    expect(existing[0]!.text).not.toContain('#token=');
    expect((await post('/api/v1/auth/password-reset', { email })).statusCode).toBe(202);
    await runAccountJobs(database, config);
    expect((await queuedMails(database.ownerDb, email)).map((m) => m.subject)).toContain(
      'Reset your Leadline password',
    );
  }, 60_000);
});

describe('second-factor attempts', () => {
  /** An account with a proven address and two-factor on, enrolled from the owner's browser (its device). */
  async function ownerWithDevice() {
    const email = victimAddress();
    await post('/api/v1/auth/signup', {
      email,
      password: OWNER_PASSWORD,
      displayName: 'O',
      workspaceName: 'W',
    });
    await runAccountJobs(database, config);
    await database.ownerDb
      .updateTable('users')
      .set({ emailVerifiedAt: new Date() })
      .where('email', '=', email)
      .execute();
    const { headers } = await passwordSignIn(email, OWNER_PASSWORD, OWNER_IP);
    const setup = await post('/api/v1/auth/two-factor/setup', {}, { headers: headers! });
    const secret = setup.json().secret as string;
    const enabled = await post(
      '/api/v1/auth/two-factor/enable',
      { code: await totpCode(secret) },
      { headers: headers! },
    );
    expect(enabled.statusCode).toBe(200);
    const device = cookieValue(enabled, DEVICE_COOKIE);
    expect(device).toBeTruthy();
    return { email, secret, device: device! };
  }

  it('someone with the password cannot lock the owner out; every refusal has Retry-After', async () => {
    const { email, secret, device } = await ownerWithDevice();
    // The attacker signs in with the password from many addresses and guesses until refused.
    const refusals: LightMyRequestResponse[] = [];
    for (let i = 0; i < 8; i++) {
      const ip = `192.0.2.${i + 1}`;
      const { headers } = await passwordSignIn(email, OWNER_PASSWORD, ip);
      const guess = await post(
        '/api/v1/auth/login/second-factor',
        { code: '000000' },
        { ip, headers: headers! },
      );
      if (guess.statusCode === 429) refusals.push(guess);
    }
    // The shared allowance for unknown devices is spent: a distributed guesser gets no further.
    expect(refusals.length).toBe(3);
    for (const refusal of refusals) expect(Number(refusal.headers['retry-after'])).toBeGreaterThan(0);

    // The owner, on their own browser, still signs in with a good code.
    const { headers } = await passwordSignIn(email, OWNER_PASSWORD, OWNER_IP, device);
    const owner = await post(
      '/api/v1/auth/login/second-factor',
      { code: await totpCode(secret, 1) },
      { headers: headers! },
    );
    expect(owner.statusCode, owner.body).toBe(200);
  });

  it('a device cookie of another user, or a forged one, is not a trusted device', async () => {
    const first = await ownerWithDevice();
    const second = await ownerWithDevice();
    for (const device of [first.device, `${first.device.split('.')[0]}.forged`]) {
      const { headers } = await passwordSignIn(second.email, OWNER_PASSWORD, ATTACKER_IP, device);
      for (let i = 0; i < 5; i++) {
        await post(
          '/api/v1/auth/login/second-factor',
          { code: '000000' },
          { ip: ATTACKER_IP, headers: headers! },
        );
      }
    }
    // Ten guesses under foreign or forged cookies all counted against the shared allowance.
    const { headers } = await passwordSignIn(second.email, OWNER_PASSWORD, '192.0.2.200');
    const refused = await post(
      '/api/v1/auth/login/second-factor',
      { code: await totpCode(second.secret) },
      { ip: '192.0.2.200', headers: headers! },
    );
    expect(refused.statusCode).toBe(429);
  });

  it('every 429 of the application carries Retry-After', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/limited' });
    expect(response.statusCode).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });
});
