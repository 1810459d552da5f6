import type { Transaction } from 'kysely';
import { loadKeysOutside, withFieldCodec } from '../crypto/field-codec.js';
import { AppError } from '../http/app-error.js';
import type { Db } from './database.js';
import { resultFree } from './deferred-begin.js';
import type { Database } from './schema.js';

declare const tenantScoped: unique symbol;

/**
 * A transaction in which `app.tenant_id` is set, so row-level security limits every statement to one
 * tenant. Repositories of tenant data accept only this type; the brand makes it impossible to hand them
 * a plain connection by mistake.
 */
export type TenantTransaction = Transaction<Database> & { readonly [tenantScoped]: string };

/** Runs work in a transaction bound to one given tenant: a job's `withTenant`, or `withTenant(db, id, ...)`. */
export type InTenant = <T>(work: (trx: TenantTransaction) => Promise<T>) => Promise<T>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Runs `work` in a transaction bound to `tenantId` (SET LOCAL semantics: the setting ends with the
 * transaction, so a pooled connection never carries a tenant into the next one).
 */
export async function withTenant<T>(
  db: Db,
  tenantId: string,
  work: (trx: TenantTransaction) => Promise<T>,
): Promise<T> {
  if (!isUuid(tenantId)) throw new AppError('not_found', 'Tenant not found');
  return db.transaction().execute(async (trx) => {
    // Inlined, not a parameter (the id is a checked UUID): so it goes in one round trip with BEGIN.
    await resultFree(`select set_config('app.tenant_id', '${tenantId}', true)`).execute(trx);
    // Encrypted columns open in every result of the transaction, and seal with its workspace's key.
    const coded = await withFieldCodec(trx, tenantId, (id) => loadKeysOutside(db, id));
    return work(coded as TenantTransaction);
  });
}
