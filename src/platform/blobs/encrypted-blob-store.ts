import type { Kysely } from 'kysely';
import { openOutside, sealBuffersOutside } from '../crypto/field-codec.js';
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
