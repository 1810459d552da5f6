import type { Kysely } from 'kysely';
import type { WorkspaceKeys } from '../../src/platform/crypto/data-keys.js';
import { loadKeysOutside, openStored } from '../../src/platform/crypto/field-codec.js';
import type { Database } from '../../src/platform/db/schema.js';

/**
 * Rows read with an owner connection (no tenant transaction, so no codec) as the application reads them:
 * each encrypted value opened with its row's workspace keys (ADR 0036).
 */
export async function openedRows<T extends { tenantId: string }>(
  db: Kysely<Database>,
  rows: T[],
): Promise<T[]> {
  const keys = new Map<string, WorkspaceKeys>();
  const result: T[] = [];
  for (const row of rows) {
    let workspace = keys.get(row.tenantId);
    if (!workspace) {
      workspace = await loadKeysOutside(db, row.tenantId);
      keys.set(row.tenantId, workspace);
    }
    const found = workspace;
    result.push(
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => [column, openStored(found, value)]),
      ) as T,
    );
  }
  return result;
}
