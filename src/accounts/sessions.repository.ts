import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import { publishAccessChange } from '../realtime/access-changes.js';

// Session queries of sign-in and session management. Every statement names the user, so one user can
// never see or end another's session by guessing its id.

export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** A user's sessions that can still be used (not revoked, not past either timeout), newest first. */
export async function listLiveSessions(db: Db, userId: string, idleCutoff: Date): Promise<SessionSummary[]> {
  return db
    .selectFrom('sessions')
    .select(['id', 'createdAt', 'lastSeenAt', 'ip', 'userAgent'])
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', sql<Date>`now()`)
    .where('lastSeenAt', '>', idleCutoff)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .execute();
}

/** Ends one of the user's own sessions; false when the id is not a live session of this user. */
export async function revokeOwnSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ revokedAt: sql`now()` })
    .where('id', '=', sessionId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  await publishAccessChange(db, { scope: 'session', id: sessionId });
  return result.numUpdatedRows > 0n;
}

export async function setActiveTenant(db: Db, sessionId: string, tenantId: string): Promise<void> {
  await db.updateTable('sessions').set({ activeTenantId: tenantId }).where('id', '=', sessionId).execute();
}

/** Sets or clears `disabled_at`; returns the user's id, or undefined when no user has that address. */
export async function setUserDisabled(db: Db, email: string, disabled: boolean): Promise<string | undefined> {
  const row = await db
    .updateTable('users')
    .set({ disabledAt: disabled ? sql`coalesce(disabled_at, now())` : null, updatedAt: sql`now()` })
    .where('email', '=', email)
    .returning('id')
    .executeTakeFirst();
  if (row) await publishAccessChange(db, { scope: 'user', id: row.id });
  return row?.id;
}
