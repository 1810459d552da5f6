import type pg from 'pg';
import { AppError } from '../http/app-error.js';
import { isUuid } from './tenant-context.js';

/**
 * `withTenant` for work that needs the raw pg client (COPY through pg-copy-streams): a transaction on one
 * pooled connection with `app.tenant_id` set locally, so row-level security applies to every statement.
 */
export async function withTenantClient<T>(
  pool: pg.Pool,
  tenantId: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  if (!isUuid(tenantId)) throw new AppError('not_found', 'Tenant not found');
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query(`begin; select set_config('app.tenant_id', '${tenantId}', true)`);
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    try {
      await client.query('rollback');
    } catch (rollbackError) {
      broken = rollbackError;
    }
    throw error;
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}
