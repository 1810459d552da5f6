import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import type { Tenant } from './tenants.table.js';

/**
 * Creates a tenant. The id is chosen first so the insert itself runs in that tenant's context: the row
 * policy's WITH CHECK admits it, and no code path needs to bypass row-level security to make a tenant.
 */
export async function createTenant(db: Db, input: { name: string }): Promise<Tenant> {
  return withTenant(db, randomUUID(), (trx) => insertCurrentTenant(trx, input.name));
}

/** Inserts the tenant whose context `trx` runs in, so more can be written in the same transaction. */
export async function insertCurrentTenant(trx: TenantTransaction, name: string): Promise<Tenant> {
  return trx
    .insertInto('tenants')
    .values({ id: sql<string>`app_current_tenant()`, name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCurrentTenant(trx: TenantTransaction): Promise<Tenant | undefined> {
  return trx.selectFrom('tenants').selectAll().executeTakeFirst();
}

export async function renameTenant(trx: TenantTransaction, name: string): Promise<Tenant> {
  return trx.updateTable('tenants').set({ name }).returningAll().executeTakeFirstOrThrow();
}
