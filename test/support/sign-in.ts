import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { insertUser } from '../../src/accounts/accounts.repository.js';
import type { User } from '../../src/accounts/accounts.table.js';
import { hashPassword } from '../../src/accounts/passwords.js';
import type { Role } from '../../src/accounts/permissions.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import type { Db } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';

export const PASSWORD = 'correct horse battery staple 42';

const hashes = new Map<string, Promise<string>>();

/** A real user row, as sign-up would store it (argon2id hash of `password`). */
export async function createUser(
  db: Db,
  options: { email?: string; password?: string; disabled?: boolean; totp?: boolean } = {},
): Promise<User> {
  const password = options.password ?? PASSWORD;
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  const user = await insertUser(db, {
    email: options.email ?? `user-${randomBytes(6).toString('hex')}@example.com`,
    passwordHash: (await hashes.get(password)) as string,
    displayName: 'Test User',
    disabledAt: options.disabled ? new Date() : null,
    totpEnabledAt: options.totp ? new Date() : null,
  });
  return user;
}

export async function addMembership(db: Db, tenantId: string, userId: string, role: Role): Promise<void> {
  await withTenant(db, tenantId, (trx) => trx.insertInto('memberships').values({ userId, role }).execute());
}

export interface SignedIn {
  response: LightMyRequestResponse;
  token: string;
  csrfToken: string;
  /** Cookie plus CSRF header, for state-changing requests. */
  headers: Record<string, string>;
  cookie: Record<string, string>;
}

export function login(
  app: FastifyInstance,
  body: { email: string; password: string },
  options: { ip?: string; userAgent?: string } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: body,
    remoteAddress: options.ip ?? '203.0.113.10',
    headers: { 'user-agent': options.userAgent ?? 'vitest' },
  });
}

/** Signs in through the real endpoint and fails loudly when that does not work. */
export async function signIn(
  app: FastifyInstance,
  email: string,
  options: { password?: string; ip?: string; userAgent?: string } = {},
): Promise<SignedIn> {
  const response = await login(app, { email, password: options.password ?? PASSWORD }, options);
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error('sign-in set no session cookie');
  const csrfToken = response.json().csrfToken as string;
  return {
    response,
    token: cookie.value,
    csrfToken,
    cookie: { [SESSION_COOKIE]: cookie.value },
    headers: { cookie: `${SESSION_COOKIE}=${cookie.value}`, [CSRF_HEADER]: csrfToken },
  };
}

export async function sessionIdOf(db: Db, signedIn: SignedIn): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    select id from sessions where token_hash = sha256(convert_to(${signedIn.token}, 'UTF8'))`.execute(db);
  if (!rows[0]) throw new Error('no session row for this token');
  return rows[0].id;
}
