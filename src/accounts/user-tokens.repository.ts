import { sql } from 'kysely';
import { randomToken, sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import type { UserTokensTable } from './accounts.table.js';

export type TokenPurpose = UserTokensTable['purpose'];

/**
 * Creates a single-use token for a mailed link: 256 bits from the CSPRNG, only its SHA-256 stored
 * (ASVS 6.4.1, 6.5.2). The plain token is returned to be mailed and is never stored or logged.
 */
export async function createUserToken(
  db: Db,
  input: { userId: string; purpose: TokenPurpose; email: string; ttlMs: number },
): Promise<string> {
  const token = randomToken(32);
  await db
    .insertInto('userTokens')
    .values({
      userId: input.userId,
      purpose: input.purpose,
      email: input.email,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + input.ttlMs),
      usedAt: null,
    })
    .execute();
  return token;
}

export interface ConsumedToken {
  id: string;
  userId: string;
  purpose: TokenPurpose;
  email: string | null;
}

/**
 * Uses a token up, atomically: a used, expired, unknown or other-purpose token yields undefined, and two
 * concurrent uses cannot both succeed. The caller's transaction decides whether the use sticks.
 */
export async function consumeUserToken(
  db: Db,
  token: string,
  purposes: readonly TokenPurpose[],
): Promise<ConsumedToken | undefined> {
  return db
    .updateTable('userTokens')
    .set({ usedAt: sql`now()` })
    .where('tokenHash', '=', sha256(token))
    .where('purpose', 'in', purposes)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', sql<Date>`now()`)
    .returning(['id', 'userId', 'purpose', 'email'])
    .executeTakeFirst();
}

/** Ends a user's outstanding tokens of one purpose (a newer link replaces older ones). */
export async function invalidateUserTokens(db: Db, userId: string, purpose: TokenPurpose): Promise<void> {
  await db
    .updateTable('userTokens')
    .set({ usedAt: sql`now()` })
    .where('userId', '=', userId)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .execute();
}
