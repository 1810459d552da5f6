import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import { publishAccessChange } from '../realtime/access-changes.js';
import type { NewUser, User } from './accounts.table.js';

// Users and sessions are global (not tenant-owned): identity exists before any tenant is chosen.

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(db: Db, user: NewUser): Promise<User> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

export interface NewSession {
  tokenHash: Buffer;
  userId: string;
  activeTenantId: string | null;
  mfaPending: boolean;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export async function insertSession(db: Db, session: NewSession): Promise<{ id: string }> {
  return db.insertInto('sessions').values(session).returning('id').executeTakeFirstOrThrow();
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db.updateTable('sessions').set({ revokedAt: sql`now()` }).where('id', '=', sessionId).execute();
  // Its live sockets close at once, in every server process.
  await publishAccessChange(db, { scope: 'session', id: sessionId });
}

/** Ends every session of a user, optionally but one (ASVS 7.4.3: "log out other sessions"). */
export async function revokeUserSessions(db: Db, userId: string, exceptSessionId?: string): Promise<number> {
  let query = db
    .updateTable('sessions')
    .set({ revokedAt: sql`now()` })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null);
  if (exceptSessionId) query = query.where('id', '!=', exceptSessionId);
  const result = await query.executeTakeFirst();
  await publishAccessChange(db, { scope: 'user', id: userId });
  return Number(result.numUpdatedRows);
}

export interface UserTenant {
  tenantId: string;
  tenantName: string;
  role: 'owner' | 'admin' | 'agent';
  requireTwoFactor: boolean;
}

/** The tenants a user belongs to: a cross-tenant read through the narrow auth_user_tenants function. */
export async function userTenants(db: Db, userId: string): Promise<UserTenant[]> {
  const { rows } = await sql<UserTenant>`select * from auth_user_tenants(${userId})`.execute(db);
  return rows;
}
