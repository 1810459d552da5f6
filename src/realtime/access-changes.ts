import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';

/**
 * The PostgreSQL NOTIFY channel on which every server process hears that someone's access changed, so
 * it re-checks that person's live sockets at once instead of at the next periodic re-check.
 */
export const ACCESS_CHANGES_CHANNEL = 'leadline_access_changes';

/** Whose access changed: one session, every session of a user, or every member of a tenant. */
export const ZAccessChange = z.object({
  scope: z.enum(['session', 'user', 'tenant']),
  id: z.uuid(),
});
export type AccessChange = z.infer<typeof ZAccessChange>;

/**
 * Announces an access change when (and only if) the caller's transaction commits (NOTIFY is delivered
 * at commit); outside a transaction, at once. Carries ids only.
 */
export async function publishAccessChange(db: Db, change: AccessChange): Promise<void> {
  await sql`select pg_notify(${ACCESS_CHANGES_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
}
