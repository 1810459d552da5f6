import { sql } from 'kysely';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import { resealBlob, storedBlobVersion } from '../platform/blobs/encrypted-blob-store.js';
import { dataKeys } from '../platform/crypto/data-keys.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/** Blobs per batch of a pass: each one is read and written whole (media are capped at MEDIA_MAX_BYTES). */
export const BLOB_BATCH = 25;

/**
 * The blob keys the workspace references, in key order after `after`: stored media (`message_media`),
 * operators' uploads (`conversation_attachments`) and the parts of uploaded imports
 * (`contact_imports.blob_parts`, stored as `<tenant>/<sha256>`), the blob kinds of the personal-data registry. Byte order ("C") so the keyset compares as it sorts.
 */
async function blobKeysAfter(trx: TenantTransaction, after: string | null, limit: number): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select k as key from (
      select blob_key as k from message_media where blob_key is not null
      union
      select blob_key from conversation_attachments
      union
      select app_current_tenant()::text || '/' || unnest(blob_parts) from contact_imports
    ) s
    where ${after === null ? sql`true` : sql`k collate "C" > ${after}`}
    order by k collate "C"
    limit ${limit}`.execute(trx);
  return rows.map((row) => row.key);
}

export interface BlobBatchOutcome {
  readonly rewritten: number;
  /** The last key looked at, or null when every blob was walked. */
  readonly next: string | null;
}

/**
 * One bounded batch of the blob walk: each blob sealed under an older key version, or stored as legacy
 * plaintext, is sealed again under the current version, in place. The rows naming the blobs are locked
 * (`for share`) until the batch's transaction ends, so retention or erasure, which delete the rows before
 * the blobs, cannot delete a blob between this batch's read and its rewrite (the rewrite would bring it
 * back). Idempotent and resumable: a blob already under the current version is left alone.
 */
export async function reencryptBlobBatch(
  trx: TenantTransaction,
  tenantId: string,
  stored: BlobStore,
  after: string | null,
  limit = BLOB_BATCH,
): Promise<BlobBatchOutcome> {
  const keys = await blobKeysAfter(trx, after, limit);
  if (keys.length === 0) return { rewritten: 0, next: null };
  await sql`select 1 from message_media where blob_key = any(${keys}::text[]) for share`.execute(trx);
  await sql`select 1 from conversation_attachments where blob_key = any(${keys}::text[]) for share`.execute(
    trx,
  );
  const parts = keys.map((key) => key.slice(key.indexOf('/') + 1));
  await sql`select 1 from contact_imports where blob_parts && ${parts}::text[] for share`.execute(trx);
  // Fresh from the table, not the process cache: the cache may not know the newest version yet.
  let loaded = await dataKeys().load(trx, tenantId);
  if (loaded.current === undefined) loaded = await dataKeys().ensureCurrent(trx, tenantId);
  const current = loaded as typeof loaded & { current: number };
  let rewritten = 0;
  for (const key of keys) {
    if ((await resealBlob(stored, key, current)) === 'resealed') rewritten += 1;
  }
  return { rewritten, next: keys.length === limit ? (keys.at(-1) as string) : null };
}

export interface BlobUsage {
  /** Blobs per key version. */
  readonly versions: Map<number, number>;
  /** Blobs stored before encryption (no envelope). */
  readonly legacy: number;
  /** Keys referenced by a row whose object is not in the store. */
  readonly missing: number;
}

/**
 * Counts the workspace's blobs per key version by reading each object's header only (a ranged read), in
 * pages of keys: what `keys status` shows and what decides that a version no blob uses may be retired.
 */
export async function blobUsage(trx: TenantTransaction, stored: BlobStore): Promise<BlobUsage> {
  const versions = new Map<number, number>();
  let legacy = 0;
  let missing = 0;
  let after: string | null = null;
  for (;;) {
    const keys = await blobKeysAfter(trx, after, 1_000);
    for (const key of keys) {
      const version = await storedBlobVersion(stored, key);
      if (version === undefined) missing += 1;
      else if (version === null) legacy += 1;
      else versions.set(version, (versions.get(version) ?? 0) + 1);
    }
    if (keys.length < 1_000) break;
    after = keys.at(-1) as string;
  }
  return { versions, legacy, missing };
}
