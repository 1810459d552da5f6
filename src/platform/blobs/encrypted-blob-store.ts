import type { Kysely } from 'kysely';
import type { WorkspaceKeys } from '../crypto/data-keys.js';
import { ENVELOPE_OVERHEAD, isEnvelope, readHeader, sealBytes } from '../crypto/envelope.js';
import { openOutside, openWith, sealBuffersOutside } from '../crypto/field-codec.js';
import type { Database } from '../db/schema.js';
import { assertBlobKey, type BlobStore } from './blob-store.js';

/** A blob store whose objects are sealed at rest, and the store holding the sealed bytes as they are. */
export interface EncryptedBlobStore extends BlobStore {
  /** The underlying store: ciphertext as stored (backups copy it like that, as they copy sealed columns). */
  readonly stored: BlobStore;
}

/**
 * Encryption at rest for media blobs (ADR 0036): each object is one envelope (field `blob`) under its
 * workspace's current data key, the workspace being the key's tenant prefix and the blob key bound into the
 * authenticated data, so an object copied to another key or workspace does not open. Readers get the
 * plaintext; an object stored before encryption (no envelope) reads as it is. Blobs are whole buffers,
 * bounded by the media and import size caps, so one AES-GCM pass per object (no streaming format).
 * Keys come from the process cache, or one short transaction of their own: never call `put` inside a
 * transaction that has just made the workspace's first data key.
 */
export function createEncryptedBlobStore(stored: BlobStore, db: Kysely<Database>): EncryptedBlobStore {
  return {
    stored,
    async put(key, content) {
      const [sealed] = await sealBuffersOutside(db, tenantOf(key), 'blob', [content], key);
      await stored.put(key, sealed as Buffer);
    },
    async get(key) {
      const content = await stored.get(key);
      return content === undefined ? undefined : openOutside(db, tenantOf(key), 'blob', content, key);
    },
    delete: (key) => stored.delete(key),
  };
}

function tenantOf(key: string): string {
  assertBlobKey(key);
  return key.slice(0, key.indexOf('/'));
}

/** The bytes as stored, for copying (backups): the underlying store of an encrypting one. */
export function storedBlobs(blobs: BlobStore): BlobStore {
  return 'stored' in blobs ? (blobs as EncryptedBlobStore).stored : blobs;
}

/** The data-key version a stored object is sealed with: null for legacy plaintext, undefined when absent. */
export async function storedBlobVersion(stored: BlobStore, key: string): Promise<number | null | undefined> {
  const head = stored.peek ? await stored.peek(key, ENVELOPE_OVERHEAD) : await stored.get(key);
  if (head === undefined) return undefined;
  return isEnvelope(head) ? readHeader(head).keyVersion : null;
}

/**
 * Seals a stored object again under the workspace's current key (the re-encryption pass), with the keys
 * the caller loaded in its transaction (not the process cache, which may not know the newest version yet):
 * opens it (legacy plaintext as it is) and writes the new envelope in place under the same key (a PUT or a
 * rename: readers see the old object or the new one). `current` when it already was; `missing` when gone.
 */
export async function resealBlob(
  stored: BlobStore,
  key: string,
  keys: WorkspaceKeys & { current: number },
): Promise<'resealed' | 'current' | 'missing'> {
  if (tenantOf(key) !== keys.tenantId.toLowerCase()) throw new Error('blob of another workspace');
  const content = await stored.get(key);
  if (content === undefined) return 'missing';
  if (isEnvelope(content) && readHeader(content).keyVersion === keys.current) return 'current';
  const plaintext = openWith(keys, 'blob', content, key) as Buffer;
  const dataKey = keys.keys.get(keys.current) as Buffer;
  const context = { tenantId: keys.tenantId, field: 'blob' as const, keyVersion: keys.current, binding: key };
  await stored.put(key, sealBytes(dataKey, context, plaintext));
  return 'resealed';
}
