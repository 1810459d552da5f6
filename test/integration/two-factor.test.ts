import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { recoveryCodeHash } from '../../src/accounts/two-factor.js';
import type { Config } from '../../src/platform/config/config.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import { sha256 } from '../../src/platform/crypto/tokens.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { createAccount, sessionFor, totpCode } from '../support/account-session.js';
import { buildTestApp } from '../support/app.js';
import { queuedMails } from '../support/queued-mail.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

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

async function auditActions(userId: string): Promise<{ action: string; detail: Record<string, unknown> }[]> {
  return database.ownerDb
    .selectFrom('auditLog')
    .select(['action', 'detail'])
    .where('actorUserId', '=', userId)
    .orderBy('id')
    .execute();
}

const userRow = (id: string) =>
  database.ownerDb.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function makeStale(sessionId: string) {
  await sql`update sessions set authenticated_at = now() - interval '1 hour' where id = ${sessionId}`.execute(
    database.ownerDb,
  );
}

describe('enrolment', () => {
  it('V7.5.1 set-up needs a recent sign-in', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    await makeStale(session.sessionId);
    const response = await post('/api/v1/auth/two-factor/setup', session.headers);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.details).toEqual([
      { path: 'session', message: 'reauthentication_required' },
    ]);
    expect((await userRow(user.id)).totpSecret).toBeNull();
  });

  it('set-up returns a seed, otpauth URI and QR code; the seed is stored encrypted and not yet in force', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const response = await post('/api/v1/auth/two-factor/setup', session.headers);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { secret, otpauthUri, qrCodeDataUrl } = response.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const row = await userRow(user.id);
    expect(row.totpSecret).not.toContain(secret);
    expect(new SecretBox(config.secretKey, 'totp').open(row.totpSecret!)).toBe(secret);
    expect(row.totpEnabledAt).toBeNull();
  });

  it('enabling needs a valid code; it returns 10 recovery codes, stored only as hashes, and ends other sessions', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const other = await sessionFor(database.db, config, user.id);
    const { secret } = (await post('/api/v1/auth/two-factor/setup', session.headers)).json();

    const wrong = await post('/api/v1/auth/two-factor/enable', session.headers, { code: '000000' });
    expect(wrong.statusCode).toBe(400);
    expect((await userRow(user.id)).totpEnabledAt).toBeNull();

    const response = await post('/api/v1/auth/two-factor/enable', session.headers, {
      code: await totpCode(secret),
    });
    expect(response.statusCode).toBe(200);
    const { recoveryCodes } = response.json() as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect((await userRow(user.id)).totpEnabledAt).not.toBeNull();
    const stored = await database.ownerDb
      .selectFrom('recoveryCodes')
      .select('codeHash')
      .where('userId', '=', user.id)
      .execute();
    expect(stored.map((row) => row.codeHash.toString('hex')).sort()).toEqual(
      recoveryCodes.map((code) => recoveryCodeHash(code).toString('hex')).sort(),
    );
    // ASVS 7.4.3: the other session is over, this one goes on.
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers: other.headers }))
        .statusCode,
    ).toBe(401);
    const status = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/two-factor',
      headers: session.headers,
    });
    expect(status.json()).toEqual({ enabled: true, recoveryCodesLeft: 10 });

    const actions = await auditActions(user.id);
    expect(actions.map((a) => a.action)).toEqual([
      'auth.two_factor.setup_started',
      'auth.second_factor.failed',
      'auth.two_factor.enabled',
    ]);
    expect(JSON.stringify(actions)).not.toContain(secret);
    expect((await queuedMails(database.ownerDb, user.email)).map((m) => m.subject)).toContain(
      'Two-factor authentication is on',
    );
  });

  it('set-up is refused while two-factor authentication is on', async () => {
    const { user } = await createAccount(database.db, config, { twoFactor: true });
    const session = await sessionFor(database.db, config, user.id);
    const before = (await userRow(user.id)).totpSecret;
    const response = await post('/api/v1/auth/two-factor/setup', session.headers);
    expect(response.statusCode).toBe(409);
    expect((await userRow(user.id)).totpSecret).toBe(before);
  });
});

describe('the second sign-in step', () => {
  it('a pending session can reach nothing but the second-factor step', async () => {
    const { user } = await createAccount(database.db, config, { twoFactor: true });
    const pending = await sessionFor(database.db, config, user.id, { mfaPending: true });
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/two-factor',
      headers: pending.headers,
    });
    expect(response.statusCode).toBe(401);
  });

  it('V7.2.4 a valid code replaces the pending session with a new one (new id and token)', async () => {
    const tenantId = await newTenant(database.db);
    const { user, secret } = await createAccount(database.db, config, { twoFactor: true });
    const pending = await sessionFor(database.db, config, user.id, {
      mfaPending: true,
      activeTenantId: tenantId,
    });
    const response = await post('/api/v1/auth/login/second-factor', pending.headers, {
      code: await totpCode(secret!),
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(pending.headers.cookie).not.toContain(cookie!.value);

    const sessions = await database.ownerDb
      .selectFrom('sessions')
      .select(['id', 'mfaPending', 'revokedAt', 'activeTenantId', 'tokenHash'])
      .where('userId', '=', user.id)
      .execute();
    const fresh = sessions.find((s) => s.tokenHash.equals(sha256(cookie!.value)));
    expect(fresh).toMatchObject({ mfaPending: false, revokedAt: null, activeTenantId: tenantId });
    expect(fresh!.id).not.toBe(pending.sessionId);
    expect(sessions.find((s) => s.id === pending.sessionId)?.revokedAt).not.toBeNull();

    const freshHeaders = {
      cookie: `${SESSION_COOKIE}=${cookie!.value}`,
      'x-csrf-token': response.json().csrfToken,
    };
    const status = await app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers: freshHeaders });
    expect(status.statusCode).toBe(200);
    // The CSRF token belongs to the new session.
    const setup = await post('/api/v1/auth/two-factor/setup', freshHeaders);
    expect(setup.statusCode).toBe(409);
    expect(
      (await post('/api/v1/auth/login/second-factor', pending.headers, { code: '123456' })).statusCode,
    ).toBe(401);
    expect((await auditActions(user.id)).map((a) => a.action)).toContain('auth.second_factor.succeeded');
  });

  it('V6.5.1 a TOTP code is accepted only once', async () => {
    const { user, secret } = await createAccount(database.db, config, { twoFactor: true });
    const code = await totpCode(secret!);
    const first = await sessionFor(database.db, config, user.id, { mfaPending: true });
    const second = await sessionFor(database.db, config, user.id, { mfaPending: true });
    expect((await post('/api/v1/auth/login/second-factor', first.headers, { code })).statusCode).toBe(200);
    const replay = await post('/api/v1/auth/login/second-factor', second.headers, { code });
    expect(replay.statusCode).toBe(400);
    // A later code still works: only the used step (and earlier ones) are spent.
    const next = await post('/api/v1/auth/login/second-factor', second.headers, {
      code: await totpCode(secret!, 1),
    });
    expect(next.statusCode).toBe(200);
  });

  it('V6.5.1 concurrent uses of one code: exactly one succeeds', async () => {
    const { user, secret } = await createAccount(database.db, config, { twoFactor: true });
    const code = await totpCode(secret!);
    const sessions = await Promise.all(
      [1, 2, 3].map(() => sessionFor(database.db, config, user.id, { mfaPending: true })),
    );
    const responses = await Promise.all(
      sessions.map((s) => post('/api/v1/auth/login/second-factor', s.headers, { code })),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400, 400]);
  });

  it('a recovery code signs in once and is then used up', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const { secret } = (await post('/api/v1/auth/two-factor/setup', session.headers)).json();
    const { recoveryCodes } = (
      await post('/api/v1/auth/two-factor/enable', session.headers, { code: await totpCode(secret) })
    ).json() as { recoveryCodes: string[] };
    const recoveryCode = recoveryCodes[3]!.toUpperCase();

    const first = await sessionFor(database.db, config, user.id, { mfaPending: true });
    expect((await post('/api/v1/auth/login/second-factor', first.headers, { recoveryCode })).statusCode).toBe(
      200,
    );
    const second = await sessionFor(database.db, config, user.id, { mfaPending: true });
    expect(
      (await post('/api/v1/auth/login/second-factor', second.headers, { recoveryCode })).statusCode,
    ).toBe(400);
    const actions = await auditActions(user.id);
    expect(actions.filter((a) => a.action === 'auth.recovery_code.used')).toHaveLength(1);
    expect(JSON.stringify(actions)).not.toContain(recoveryCodes[3]!);
  });

  it('V6.6.3 attempts are rate limited per user, and every failure is audited', async () => {
    const { user, secret } = await createAccount(database.db, config, { twoFactor: true });
    const pending = await sessionFor(database.db, config, user.id, { mfaPending: true });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push(
        (await post('/api/v1/auth/login/second-factor', pending.headers, { code: '000000' })).statusCode,
      );
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    // Now even the right code is refused: the limit is on attempts, not on failures alone.
    const limited = await post('/api/v1/auth/login/second-factor', pending.headers, {
      code: await totpCode(secret!),
    });
    expect(limited.statusCode).toBe(429);
    const failures = (await auditActions(user.id)).filter((a) => a.action === 'auth.second_factor.failed');
    expect(failures).toHaveLength(5);
    expect(failures[0]?.detail).toEqual({ purpose: 'sign_in', method: 'totp' });
  });

  it('a body must carry exactly one of code and recoveryCode', async () => {
    const { user } = await createAccount(database.db, config, { twoFactor: true });
    const pending = await sessionFor(database.db, config, user.id, { mfaPending: true });
    for (const payload of [
      {},
      { code: '123456', recoveryCode: 'aaaa-bbbb-cccc-dddd-eeee-ffff' },
      { code: '12345' },
    ]) {
      const response = await post('/api/v1/auth/login/second-factor', pending.headers, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});

describe('new recovery codes', () => {
  it('V7.5.1 need a recent sign-in and a valid code; the old codes stop working, the new ones sign in', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const { secret } = (await post('/api/v1/auth/two-factor/setup', session.headers)).json();
    const old = (
      await post('/api/v1/auth/two-factor/enable', session.headers, { code: await totpCode(secret) })
    ).json() as { recoveryCodes: string[] };

    await makeStale(session.sessionId);
    const stale = await post('/api/v1/auth/two-factor/recovery-codes', session.headers, {
      recoveryCode: old.recoveryCodes[0],
    });
    expect(stale.statusCode).toBe(403);
    const fresh = await sessionFor(database.db, config, user.id);
    const wrong = await post('/api/v1/auth/two-factor/recovery-codes', fresh.headers, { code: '000000' });
    expect(wrong.statusCode).toBe(400);
    expect((await post('/api/v1/auth/two-factor/recovery-codes', fresh.headers, {})).statusCode).toBe(400);

    const response = await post('/api/v1/auth/two-factor/recovery-codes', fresh.headers, {
      recoveryCode: old.recoveryCodes[0],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const renewed = response.json() as { recoveryCodes: string[] };
    expect(renewed.recoveryCodes).toHaveLength(10);
    expect(renewed.recoveryCodes).not.toContain(old.recoveryCodes[1]);

    const pending = await sessionFor(database.db, config, user.id, { mfaPending: true });
    expect(
      (
        await post('/api/v1/auth/login/second-factor', pending.headers, {
          recoveryCode: old.recoveryCodes[1],
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post('/api/v1/auth/login/second-factor', pending.headers, {
          recoveryCode: renewed.recoveryCodes[1],
        })
      ).statusCode,
    ).toBe(200);
    const actions = (await auditActions(user.id)).map((entry) => entry.action);
    expect(actions).toContain('auth.recovery_codes.regenerated');
    expect(JSON.stringify(await auditActions(user.id))).not.toContain(renewed.recoveryCodes[2]!);
  });

  it('are refused while two-factor authentication is off (409)', async () => {
    const { user } = await createAccount(database.db, config);
    const session = await sessionFor(database.db, config, user.id);
    const response = await post('/api/v1/auth/two-factor/recovery-codes', session.headers, {
      code: '123456',
    });
    expect(response.statusCode).toBe(409);
  });
});

describe('turning two-factor authentication off', () => {
  it('V7.5.1 needs a recent sign-in and a valid code; then the seed and recovery codes are gone', async () => {
    const { user, secret } = await createAccount(database.db, config, { twoFactor: true });
    const session = await sessionFor(database.db, config, user.id);
    const other = await sessionFor(database.db, config, user.id);

    await makeStale(session.sessionId);
    const stale = await post('/api/v1/auth/two-factor/disable', session.headers, {
      code: await totpCode(secret!),
    });
    expect(stale.statusCode).toBe(403);

    const fresh = await sessionFor(database.db, config, user.id);
    expect(
      (await post('/api/v1/auth/two-factor/disable', fresh.headers, { code: '000000' })).statusCode,
    ).toBe(400);
    expect((await userRow(user.id)).totpEnabledAt).not.toBeNull();

    const response = await post('/api/v1/auth/two-factor/disable', fresh.headers, {
      code: await totpCode(secret!),
    });
    expect(response.statusCode).toBe(200);
    const row = await userRow(user.id);
    expect(row).toMatchObject({ totpSecret: null, totpEnabledAt: null, totpLastStep: null });
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers: other.headers }))
        .statusCode,
    ).toBe(401);
    expect((await auditActions(user.id)).map((a) => a.action)).toContain('auth.two_factor.disabled');
  });
});

describe('PATCH /api/v1/tenant/security', () => {
  it('an owner may require two-factor authentication only with it on for themselves', async () => {
    const tenantId = await newTenant(database.db);
    const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant/security',
      headers: owner.headers,
      payload: { requireTwoFactor: true },
    });
    expect(response.statusCode).toBe(409);
  });

  it('once required, members without two-factor authentication are refused; admins and agents cannot change it', async () => {
    const tenantId = await newTenant(database.db);
    const { user: owner } = await createAccount(database.db, config, { twoFactor: true });
    await withTenant(database.db, tenantId, (trx) =>
      trx.insertInto('memberships').values({ userId: owner.id, role: 'owner' }).execute(),
    );
    const ownerSession = await sessionFor(database.db, config, owner.id, { activeTenantId: tenantId });
    const admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });

    const agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
    for (const member of [admin, agent]) {
      const refused = await app.inject({
        method: 'PATCH',
        url: '/api/v1/tenant/security',
        headers: member.headers,
        payload: { requireTwoFactor: false },
      });
      expect(refused.statusCode, member.role).toBe(403);
    }
    const listKeys = () => app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: admin.headers });
    expect((await listKeys()).statusCode).toBe(200);

    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant/security',
      headers: ownerSession.headers,
      payload: { requireTwoFactor: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ requireTwoFactor: true });
    const blocked = await listKeys();
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.message).toMatch(/two-factor/);

    const entries = await database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'tenantId', 'detail'])
      .where('action', '=', 'tenant.two_factor_requirement_changed')
      .execute();
    expect(entries).toEqual([
      { action: 'tenant.two_factor_requirement_changed', tenantId, detail: { requireTwoFactor: true } },
    ]);
  });
});
