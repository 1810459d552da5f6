import type { Transaction } from 'kysely';
import type { RequestContext } from '../accounts/principal.js';
import type { Db } from '../platform/db/database.js';
import type { Database } from '../platform/db/schema.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import type { AuditEntry } from './audit-log.table.js';

export interface AuditEvent {
  action: string;
  /** Null for events with no tenant yet (a failed sign-in for an unknown address). */
  tenantId: string | null;
  actorUserId?: string | null;
  actorApiKeyId?: string | null;
  context: RequestContext | null;
  /** Structured, never secrets or message bodies: ids, roles, reasons. */
  detail?: Record<string, unknown>;
}

/**
 * Appends an audit entry in the caller's transaction (so it exists iff the change does), or in its own
 * tenant-scoped statement. The table is append-only for the application role.
 */
export async function recordAudit(executor: Db | Transaction<Database>, event: AuditEvent): Promise<void> {
  const insert = (trx: Transaction<Database>) =>
    trx
      .insertInto('auditLog')
      .values({
        tenantId: event.tenantId,
        action: event.action,
        actorUserId: event.actorUserId ?? null,
        actorApiKeyId: event.actorApiKeyId ?? null,
        ip: event.context?.ip ?? null,
        userAgent: event.context?.userAgent?.slice(0, 512) ?? null,
        requestId: event.context?.requestId ?? null,
        detail: JSON.stringify(event.detail ?? {}),
      })
      .execute();
  if (executor.isTransaction) {
    await insert(executor as Transaction<Database>);
    return;
  }
  const db = executor as Db;
  if (event.tenantId) await withTenant(db, event.tenantId, insert);
  else await db.transaction().execute(insert);
}

/** Who did it, as routes know it: a signed-in user or an API key, and the request. */
export interface AuditActor {
  userId: string | null;
  apiKeyId: string | null;
  context: RequestContext;
}

/** An actor's change in its tenant, audited in the changing transaction. */
export async function auditChange(
  trx: Transaction<Database>,
  tenantId: string,
  actor: AuditActor,
  action: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await recordAudit(trx, {
    action,
    tenantId,
    actorUserId: actor.userId,
    actorApiKeyId: actor.apiKeyId,
    context: actor.context,
    detail,
  });
}

export interface AuditFilters {
  action?: string | undefined;
  actorUserId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Id of the last entry of the previous page: newer entries have larger ids. */
  beforeId?: string | undefined;
  limit: number;
}

/** An entry with who did it as people know them: the member's name (or address), or the API key's name. */
export type NamedAuditEntry = AuditEntry & { actorName: string | null };

/** A tenant's entries, newest first, with keyset pagination on the identity id. RLS limits the rows. */
export async function listAuditEntries(
  trx: TenantTransaction,
  filters: AuditFilters,
): Promise<NamedAuditEntry[]> {
  let query = trx
    .selectFrom('auditLog as a')
    .leftJoin('users as u', 'u.id', 'a.actorUserId')
    .leftJoin('apiKeys as k', 'k.id', 'a.actorApiKeyId')
    .selectAll('a')
    .select((eb) => eb.fn.coalesce('u.displayName', 'u.email', 'k.name').as('actorName'))
    .orderBy('a.id', 'desc')
    .limit(filters.limit);
  if (filters.action) query = query.where('a.action', '=', filters.action);
  if (filters.actorUserId) query = query.where('a.actorUserId', '=', filters.actorUserId);
  if (filters.from) query = query.where('a.createdAt', '>=', filters.from);
  if (filters.to) query = query.where('a.createdAt', '<', filters.to);
  if (filters.beforeId) query = query.where('a.id', '<', filters.beforeId);
  return query.execute();
}

/**
 * Every entry matching the filters, newest first, read in keyset batches (each its own short tenant
 * transaction, so a slow download holds no transaction open).
 */
export async function* allAuditEntries(
  db: Db,
  tenantId: string,
  filters: Omit<AuditFilters, 'beforeId' | 'limit'>,
  batchSize = 500,
): AsyncGenerator<NamedAuditEntry> {
  let beforeId: string | undefined;
  for (;;) {
    const rows = await withTenant(db, tenantId, (trx) =>
      listAuditEntries(trx, { ...filters, beforeId, limit: batchSize }),
    );
    yield* rows;
    if (rows.length < batchSize) return;
    beforeId = String(rows.at(-1)?.id);
  }
}
