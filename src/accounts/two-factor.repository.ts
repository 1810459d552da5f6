import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';

/** Stores a new, not yet enabled seed (sealed); refused once two-factor authentication is on. */
export async function setPendingTotpSecret(db: Db, userId: string, sealedSecret: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totpSecret: sealedSecret, totpLastStep: null, updatedAt: sql`now()` })
    .where('id', '=', userId)
    .where('totpEnabledAt', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Records `step` as the last used TOTP step, only if it is after the stored one: of two requests with the
 * same code, exactly one gets `true` (ASVS 6.5.1).
 */
export async function advanceTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totpLastStep: String(step) })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totpLastStep', 'is', null), eb('totpLastStep', '<', String(step))]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function markTotpEnabled(db: Db, userId: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totpEnabledAt: sql`now()`, updatedAt: sql`now()` })
    .where('id', '=', userId)
    .where('totpEnabledAt', 'is', null)
    .where('totpSecret', 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function clearTotp(db: Db, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: sql`now()` })
    .where('id', '=', userId)
    .execute();
  await db.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
}

export async function replaceRecoveryCodes(db: Db, userId: string, hashes: Buffer[]): Promise<void> {
  await db.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
  await db
    .insertInto('recoveryCodes')
    .values(hashes.map((codeHash) => ({ userId, codeHash, usedAt: null })))
    .execute();
}

/** Uses a recovery code up, atomically; false when unknown or already used. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: Buffer): Promise<boolean> {
  const result = await db
    .updateTable('recoveryCodes')
    .set({ usedAt: sql`now()` })
    .where('userId', '=', userId)
    .where('codeHash', '=', codeHash)
    .where('usedAt', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function remainingRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recoveryCodes')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('userId', '=', userId)
    .where('usedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function sessionTenant(db: Db, sessionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('sessions')
    .select('activeTenantId')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row?.activeTenantId ?? null;
}
