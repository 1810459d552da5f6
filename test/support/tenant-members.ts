import { randomBytes } from 'node:crypto';
import { insertUser } from '../../src/accounts/accounts.repository.js';
import { hashPassword } from '../../src/accounts/passwords.js';
import type { Role } from '../../src/accounts/permissions.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { issueSession } from '../../src/accounts/sessions.service.js';
import type { Config } from '../../src/platform/config/config.js';
import type { Db } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';

export interface SignedInMember {
  userId: string;
  tenantId: string;
  role: Role;
  /** Cookie and CSRF headers of a fresh session working in `tenantId`. */
  headers: Record<string, string>;
}

let passwordHash: Promise<string> | undefined;

/** A real user with a membership in `tenantId` and a real session (as sign-in would issue it). */
export async function signedInMember(
  db: Db,
  config: Config,
  input: { tenantId: string; role: Role },
): Promise<SignedInMember> {
  passwordHash ??= hashPassword('correct horse battery staple 42');
  const user = await insertUser(db, {
    email: `member-${randomBytes(6).toString('hex')}@example.com`,
    passwordHash: await passwordHash,
  });
  await withTenant(db, input.tenantId, (trx) =>
    trx.insertInto('memberships').values({ userId: user.id, role: input.role }).execute(),
  );
  const session = await issueSession(db, config, {
    userId: user.id,
    activeTenantId: input.tenantId,
    mfaPending: false,
    context: { requestId: 'test-setup', ip: '127.0.0.1', userAgent: 'vitest' },
  });
  return {
    userId: user.id,
    tenantId: input.tenantId,
    role: input.role,
    headers: { cookie: `${SESSION_COOKIE}=${session.token}`, [CSRF_HEADER]: session.csrfToken },
  };
}

export async function newTenant(db: Db, name = `Tenant ${randomBytes(3).toString('hex')}`): Promise<string> {
  return (await createTenant(db, { name })).id;
}
