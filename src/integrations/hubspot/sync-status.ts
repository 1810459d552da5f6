import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';

export interface SyncStatus {
  portalId: string;
  lastSyncAt: Date | null;
  syncedTotal: number;
  /** Records waiting to be written. */
  backlog: number;
  /** Records HubSpot refused: retried alone, then in the dead-letter queue. */
  errors: { kind: 'contact' | 'deal'; refId: string; error: string; attempts: number; since: Date }[];
}

/** What the sync page shows: last sync, backlog, and the records in error. */
export async function hubspotSyncStatus(db: Db, tenantId: string): Promise<SyncStatus> {
  return withTenant(db, tenantId, async (trx) => {
    const connection = await trx.selectFrom('hubspotConnections').selectAll().executeTakeFirst();
    if (!connection) throw new AppError('not_found', 'HubSpot is not connected');
    const backlog = await trx
      .selectFrom('hubspotOutbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const errors = await trx
      .selectFrom('hubspotOutbox')
      .select(['kind', 'refId', 'lastError', 'attempts', 'changedAt'])
      .where('lastError', 'is not', null)
      .orderBy('changedAt', 'desc')
      .limit(50)
      .execute();
    return {
      portalId: String(connection.portalId),
      lastSyncAt: connection.lastSyncAt,
      syncedTotal: Number(connection.syncedTotal),
      backlog: Number(backlog.n),
      errors: errors.map((row) => ({
        kind: row.kind,
        refId: row.refId,
        error: row.lastError ?? '',
        attempts: row.attempts,
        since: row.changedAt,
      })),
    };
  });
}
