import { sql } from 'kysely';
import type { Scope } from '../accounts/permissions.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { ApiKey } from './api-keys.table.js';

/** Every column except the secret hash: what listings and services work with. */
const PUBLIC_COLUMNS = [
  'id',
  'name',
  'publicId',
  'scopes',
  'expiresAt',
  'revokedAt',
  'replacedBy',
  'createdBy',
  'lastUsedAt',
  'lastUsedIp',
  'createdAt',
] as const;
export type ApiKeySummary = Omit<ApiKey, 'secretHash' | 'tenantId'>;

export interface NewApiKey {
  name: string;
  publicId: string;
  secretHash: Buffer;
  scopes: Scope[];
  expiresAt: Date | null;
  createdBy: string | null;
}

export async function insertApiKey(trx: TenantTransaction, key: NewApiKey): Promise<ApiKeySummary> {
  return trx.insertInto('apiKeys').values(key).returning(PUBLIC_COLUMNS).executeTakeFirstOrThrow();
}

export async function findApiKey(trx: TenantTransaction, id: string): Promise<ApiKeySummary | undefined> {
  return trx.selectFrom('apiKeys').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/**
 * Newest first. The cursor is the id of the last key of the previous page; its (created_at, id) is read
 * in SQL, because a JavaScript Date would drop created_at's microseconds and skip rows.
 */
export async function listApiKeys(
  trx: TenantTransaction,
  options: { limit: number; afterId?: string | undefined },
): Promise<ApiKeySummary[]> {
  let query = trx
    .selectFrom('apiKeys')
    .select(PUBLIC_COLUMNS)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit);
  const afterId = options.afterId;
  if (afterId) {
    query = query.where(
      sql<boolean>`(created_at, id) < (select c.created_at, c.id from api_keys c where c.id = ${afterId})`,
    );
  }
  return query.execute();
}

/** Revokes a key now (also one still in a rotation's grace period); false if it was already revoked. */
export async function revokeApiKeyNow(trx: TenantTransaction, id: string): Promise<boolean> {
  const result = await trx
    .updateTable('apiKeys')
    .set({ revokedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('revokedAt', 'is', null), eb('revokedAt', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Marks a key as replaced: it stays valid until `validUntil` (the grace period). Only a key not yet
 * revoked or rotated qualifies, so two concurrent rotations cannot both succeed.
 */
export async function markReplaced(
  trx: TenantTransaction,
  id: string,
  replacedBy: string,
  validUntil: Date,
): Promise<boolean> {
  const result = await trx
    .updateTable('apiKeys')
    .set({ revokedAt: validUntil, replacedBy })
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
