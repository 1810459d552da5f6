import { sql } from 'kysely';
import { dataKeys } from '../platform/crypto/data-keys.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { REENCRYPT_TASK, reencryptJobKey } from './reencrypt.task-definition.js';
import { keyUsage, type ReencryptCursor, reencryptBatch } from './reencryption.js';

export interface KeyStatus {
  readonly current: number | null;
  readonly versions: readonly { version: number; createdAt: Date; values: number }[];
  /** Values still stored as plaintext (written before encryption), until the re-encryption job seals them. */
  readonly legacyValues: number;
}

export async function startReencryption(
  trx: TenantTransaction,
  requestId: string,
  runAt?: Date,
): Promise<void> {
  await enqueue(
    trx,
    REENCRYPT_TASK,
    { column: 0, after: null },
    {
      requestId,
      jobKey: reencryptJobKey(await currentTenant(trx)),
      ...(runAt ? { runAt } : {}),
    },
  );
}

async function currentTenant(trx: TenantTransaction): Promise<string> {
  const { rows } = await sql<{ id: string }>`select app_current_tenant()::text as id`.execute(trx);
  return rows[0]?.id as string;
}

/**
 * A new data-key version for the workspace's new writes, and a re-encryption pass that seals every older
 * value under it; the pass retires the older versions once nothing uses them.
 */
export async function rotateDataKey(db: Db, tenantId: string, requestId: string): Promise<number> {
  const version = await withTenant(db, tenantId, async (trx) => {
    const made = await dataKeys().rotate(trx, tenantId);
    await startReencryption(trx, requestId);
    return made;
  });
  dataKeys().forget(tenantId);
  return version;
}

export async function keyStatus(db: Db, tenantId: string): Promise<KeyStatus> {
  return withTenant(db, tenantId, async (trx) => {
    const { rows } = await sql<{ version: number; createdAt: Date }>`
      select version, created_at from workspace_data_keys order by version`.execute(trx);
    const usage = await keyUsage(trx);
    return {
      current: rows.at(-1)?.version ?? null,
      versions: rows.map((row) => ({ ...row, values: usage.versions.get(row.version) ?? 0 })),
      legacyValues: usage.legacy,
    };
  });
}

export type PassStep =
  | { kind: 'next'; cursor: ReencryptCursor; rewritten: number }
  | { kind: 'retired'; versions: number[]; rewritten: number }
  | { kind: 'again'; runAt: Date; rewritten: number };

/**
 * One step of a pass: a batch, and at the pass's end the retirement of the versions older than the current
 * one, once no stored value uses them and every process has seen the current version (its keys are cached
 * for at most the cache's lifetime; until then another process may still seal with the previous one).
 */
export async function reencryptStep(
  trx: TenantTransaction,
  tenantId: string,
  cursor: ReencryptCursor,
  now = new Date(),
): Promise<PassStep> {
  const batch = await reencryptBatch(trx, tenantId, cursor);
  if (batch.next) return { kind: 'next', cursor: batch.next, rewritten: batch.rewritten };
  await dataKeys().rewrapStale(trx, tenantId);
  const { rows } = await sql<{ version: number; createdAt: Date }>`
    select version, created_at from workspace_data_keys order by version desc limit 1`.execute(trx);
  const current = rows[0];
  if (!current) return { kind: 'retired', versions: [], rewritten: batch.rewritten };
  const settled = new Date(current.createdAt.getTime() + 2 * dataKeys().ttlMs);
  const usage = await keyUsage(trx);
  const olderInUse = [...usage.versions.keys()].some((version) => version < current.version);
  if (settled > now || olderInUse) {
    // Another pass once every process seals with the current version: it finds what was sealed meanwhile.
    const runAt = settled > now ? settled : new Date(now.getTime() + 60_000);
    return { kind: 'again', runAt, rewritten: batch.rewritten };
  }
  // Media blobs keep the version they were sealed with (the pass does not rewrite blobs): while the
  // workspace holds any, no version is retired, so none of them becomes unreadable.
  if (await holdsBlobs(trx)) return { kind: 'retired', versions: [], rewritten: batch.rewritten };
  const versions = await dataKeys().retireBelow(trx, tenantId, current.version);
  return { kind: 'retired', versions, rewritten: batch.rewritten };
}

/** Whether the workspace has blobs in the blob store: stored media, or the parts of an uploaded import. */
async function holdsBlobs(trx: TenantTransaction): Promise<boolean> {
  const { rows } = await sql<{ holds: boolean }>`
    select exists (select 1 from message_media where blob_key is not null)
        or exists (select 1 from contact_imports where cardinality(blob_parts) > 0) as holds`.execute(trx);
  return rows[0]?.holds === true;
}
