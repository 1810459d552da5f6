import { sql } from 'kysely';
import { type AuditActor, auditChange } from '../audit/audit.repository.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import { dataKeys } from '../platform/crypto/data-keys.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { blobUsage, reencryptBlobBatch } from './blob-reencryption.js';
import { ENCRYPTED_COLUMNS } from './encrypted-columns.js';
import { REENCRYPT_TASK, reencryptJobKey } from './reencrypt.task-definition.js';
import { keyUsage, type ReencryptCursor, reencryptBatch } from './reencryption.js';

/** The cursor position of the blob walk: right after the last encrypted column. */
export const BLOBS_POSITION = ENCRYPTED_COLUMNS.length;

export interface ReencryptionProgress {
  readonly targetVersion: number;
  /** running: batches are being worked; waiting: another pass is due (processes still caching keys); done. */
  readonly state: 'running' | 'waiting' | 'done';
  /** The column (`table.column`) or `blobs` the pass is at; `start` before its first batch. */
  readonly position: string;
  readonly rowsRewritten: number;
  readonly blobsRewritten: number;
  readonly retiredVersions: readonly number[];
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export interface KeyStatus {
  readonly current: number | null;
  /** Per version: database values and blobs still sealed under it. */
  readonly versions: readonly { version: number; createdAt: Date; values: number; blobs: number }[];
  /** Values still stored as plaintext (written before encryption), until the re-encryption job seals them. */
  readonly legacyValues: number;
  /** Blobs stored before encryption, likewise. */
  readonly legacyBlobs: number;
  /** Blobs a row names that are not in the store (counted so the totals add up). */
  readonly missingBlobs: number;
  readonly reencryption: ReencryptionProgress | null;
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
 * value and blob under it; the pass retires the older versions once nothing uses them. With an actor (the
 * API), the rotation is audited in the same transaction and refused (409) while a pass is rewriting.
 */
export async function rotateDataKey(
  db: Db,
  tenantId: string,
  requestId: string,
  actor?: AuditActor,
): Promise<number> {
  const version = await withTenant(db, tenantId, async (trx) => {
    // One rotation at a time per workspace; through the API, none while a pass is still rewriting (each
    // click would otherwise add a version and restart the pass).
    await sql`select pg_advisory_xact_lock(hashtext('data-key-rotation:' || ${tenantId}))`.execute(trx);
    if (actor) {
      const pass = await reencryptionProgress(trx);
      if (pass?.state === 'running') {
        throw new AppError('conflict', 'A re-encryption is still running; rotate again once it is done');
      }
    }
    const made = await dataKeys().rotate(trx, tenantId);
    await sql`
      insert into data_key_reencryptions (tenant_id, target_version, requested_by_user_id)
      values (${tenantId}::uuid, ${made}, ${actor?.userId ?? null})
      on conflict (tenant_id) do update set
        target_version = excluded.target_version, requested_by_user_id = excluded.requested_by_user_id,
        state = 'running', position = 'start', rows_rewritten = 0, blobs_rewritten = 0,
        retired_versions = '{}', started_at = now(), updated_at = now(), finished_at = null`.execute(trx);
    await startReencryption(trx, requestId);
    if (actor) await auditChange(trx, tenantId, actor, 'encryption.data_key_rotated', { version: made });
    return made;
  });
  dataKeys().forget(tenantId);
  return version;
}

/** Versions, the values and blobs still on each, and the latest pass's progress. */
export async function keyStatus(db: Db, tenantId: string, stored: BlobStore): Promise<KeyStatus> {
  return withTenant(db, tenantId, async (trx) => {
    const { rows } = await sql<{ version: number; createdAt: Date }>`
      select version, created_at from workspace_data_keys order by version`.execute(trx);
    const usage = await keyUsage(trx);
    const blobs = await blobUsage(trx, stored);
    return {
      current: rows.at(-1)?.version ?? null,
      versions: rows.map((row) => ({
        ...row,
        values: usage.versions.get(row.version) ?? 0,
        blobs: blobs.versions.get(row.version) ?? 0,
      })),
      legacyValues: usage.legacy,
      legacyBlobs: blobs.legacy,
      missingBlobs: blobs.missing,
      reencryption: await reencryptionProgress(trx),
    };
  });
}

async function reencryptionProgress(trx: TenantTransaction): Promise<ReencryptionProgress | null> {
  const row = await trx.selectFrom('dataKeyReencryptions').selectAll().executeTakeFirst();
  if (!row) return null;
  return {
    targetVersion: row.targetVersion,
    state: row.state,
    position: row.position,
    rowsRewritten: Number(row.rowsRewritten),
    blobsRewritten: Number(row.blobsRewritten),
    retiredVersions: row.retiredVersions,
    startedAt: row.startedAt,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
  };
}

export type PassStep =
  | { kind: 'next'; cursor: ReencryptCursor; rewritten: number }
  | { kind: 'retired'; versions: number[]; rewritten: number }
  | { kind: 'again'; runAt: Date; rewritten: number };

/**
 * One step of a pass: a batch of a column or of the blobs, and at the pass's end the retirement of the
 * versions older than the current one, once no stored value or blob uses them and every process has seen
 * the current version (its keys are cached for at most the cache's lifetime; until then another process
 * may still seal with the previous one). The progress row moves in the step's transaction.
 */
export async function reencryptStep(
  trx: TenantTransaction,
  tenantId: string,
  cursor: ReencryptCursor,
  stored: BlobStore,
  now = new Date(),
): Promise<PassStep> {
  if (cursor.column < BLOBS_POSITION) {
    const batch = await reencryptBatch(trx, tenantId, cursor);
    const next = batch.next ?? { column: BLOBS_POSITION, after: null };
    await recordProgress(trx, positionName(next.column), { rows: batch.rewritten });
    return { kind: 'next', cursor: next, rewritten: batch.rewritten };
  }
  const batch = await reencryptBlobBatch(trx, tenantId, stored, cursor.after);
  if (batch.next !== null) {
    await recordProgress(trx, 'blobs', { blobs: batch.rewritten });
    return {
      kind: 'next',
      cursor: { column: BLOBS_POSITION, after: batch.next },
      rewritten: batch.rewritten,
    };
  }
  await recordProgress(trx, 'blobs', { blobs: batch.rewritten });
  return finishPass(trx, tenantId, stored, batch.rewritten, now);
}

async function finishPass(
  trx: TenantTransaction,
  tenantId: string,
  stored: BlobStore,
  rewritten: number,
  now: Date,
): Promise<PassStep> {
  await dataKeys().rewrapStale(trx, tenantId);
  const { rows } = await sql<{ version: number; createdAt: Date }>`
    select version, created_at from workspace_data_keys order by version desc limit 1`.execute(trx);
  const current = rows[0];
  if (!current) {
    await recordProgress(trx, 'done', {}, { state: 'done', retired: [] });
    return { kind: 'retired', versions: [], rewritten };
  }
  const settled = new Date(current.createdAt.getTime() + 2 * dataKeys().ttlMs);
  const olderRows = [...(await keyUsage(trx)).versions.keys()].some((version) => version < current.version);
  const olderBlobs =
    !olderRows &&
    [...(await blobUsage(trx, stored)).versions.keys()].some((version) => version < current.version);
  if (settled > now || olderRows || olderBlobs) {
    // Another pass once every process seals with the current version: it finds what was sealed meanwhile.
    const runAt = settled > now ? settled : new Date(now.getTime() + 60_000);
    await recordProgress(trx, 'start', {}, { state: 'waiting' });
    return { kind: 'again', runAt, rewritten };
  }
  const versions = await dataKeys().retireBelow(trx, tenantId, current.version);
  await recordProgress(trx, 'done', {}, { state: 'done', retired: versions });
  return { kind: 'retired', versions, rewritten };
}

function positionName(column: number): string {
  const entry = ENCRYPTED_COLUMNS[column];
  return entry ? entry.field : 'blobs';
}

/** Moves the progress row (if the pass was started by a rotation; a pass for legacy values may have none). */
async function recordProgress(
  trx: TenantTransaction,
  position: string,
  counts: { rows?: number; blobs?: number },
  end?: { state: 'waiting' | 'done'; retired?: number[] },
): Promise<void> {
  await sql`
    update data_key_reencryptions set
      position = ${position},
      rows_rewritten = rows_rewritten + ${counts.rows ?? 0},
      blobs_rewritten = blobs_rewritten + ${counts.blobs ?? 0},
      state = ${end?.state ?? 'running'},
      retired_versions = case when ${end?.retired ?? null}::int[] is null then retired_versions
                              else retired_versions || ${end?.retired ?? null}::int[] end,
      finished_at = case when ${end?.state ?? 'running'} = 'done' then now() else null end,
      updated_at = now()`.execute(trx);
}
