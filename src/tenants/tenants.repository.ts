import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import type { Tenant } from './tenants.table.js';

/**
 * Creates a tenant. The id is chosen first so the insert itself runs in that tenant's context: the row
 * policy's WITH CHECK admits it, and no code path needs to bypass row-level security to make a tenant.
 */
export async function createTenant(db: Db, input: { name: string }): Promise<Tenant> {
  const id = randomUUID();
  return withTenant(db, id, (trx) =>
    trx.insertInto('tenants').values({ id, name: input.name }).returningAll().executeTakeFirstOrThrow(),
  );
}

export async function findCurrentTenant(trx: TenantTransaction): Promise<Tenant | undefined> {
  return trx.selectFrom('tenants').selectAll().executeTakeFirst();
}
