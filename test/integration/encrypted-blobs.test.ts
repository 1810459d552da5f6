import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateDataKey } from '../../src/encryption/data-keys.service.js';
import { type BlobStore, mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import { createEncryptedBlobStore, storedBlobs } from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import { createS3BlobStore } from '../../src/platform/blobs/s3-blob-store.js';
import {
  createOutboundClient,
  type OutboundClient,
} from '../../src/platform/http/outbound/outbound-client.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { type FakeS3, startFakeS3 } from '../fakes/s3-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const credentials = {
  accessKeyId: 'AKIDLEADLINETEST',
  secretAccessKey: 'test/secret+key',
  region: 'eu-central-1',
};
let database: TestDatabase;
let dir: string;
let s3: FakeS3;
let http: OutboundClient;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'leadline-encrypted-blobs-'));
  s3 = await startFakeS3({ bucket: 'leadline-media', credentials });
  http = createOutboundClient({
    connectTimeoutMs: 1_000,
    timeoutMs: 5_000,
    allowPrivateHosts: [s3.hostPort],
    retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 0 },
  });
}, 60_000);

afterAll(async () => {
  await http?.close();
  await s3?.close();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function workspace(): Promise<string> {
  return (await createTenant(database.db, { name: 'Blobs' })).id;
}

function blobOf(
  tenantId: string,
  text = `Passport scan of Giulia Bianchi ${randomBytes(8).toString('hex')}`,
) {
  const content = Buffer.from(text.repeat(50), 'utf8');
  return { content, key: mediaBlobKey(tenantId, createHash('sha256').update(content).digest('hex')) };
}

const stores: [string, () => { store: BlobStore; raw: (key: string) => Promise<Buffer | undefined> }][] = [
  [
    'filesystem',
    () => ({
      store: createFilesystemBlobStore(dir),
      raw: (key) => readFile(path.join(dir, ...key.split('/'))).catch(() => undefined),
    }),
  ],
  [
    'S3',
    () => ({
      store: createS3BlobStore({
        http,
        endpoint: s3.url,
        bucket: 'leadline-media',
        credentials,
        maxBytes: 1_000_000,
      }),
      raw: async (key) => [...s3.objects.entries()].find(([name]) => name.endsWith(key))?.[1],
    }),
  ],
];

describe.each(stores)('media blobs sealed at rest (%s)', (_name, make) => {
  it('stores an envelope, not the content, and reads the content back', async () => {
    const { store, raw } = make();
    const blobs = createEncryptedBlobStore(store, database.db);
    const tenantId = await workspace();
    const blob = blobOf(tenantId);
    await blobs.put(blob.key, blob.content);

    const stored = await raw(blob.key);
    expect(stored).toBeDefined();
    expect(stored?.subarray(0, 3).toString('latin1')).toBe('LLE');
    expect(stored?.includes(Buffer.from('Giulia Bianchi'))).toBe(false);
    expect(await blobs.get(blob.key)).toEqual(blob.content);
    // The underlying store (what backups copy) gives the ciphertext as stored.
    expect(await storedBlobs(blobs).get(blob.key)).toEqual(stored);

    await blobs.delete(blob.key);
    expect(await blobs.get(blob.key)).toBeUndefined();
    expect(await raw(blob.key)).toBeUndefined();
  });

  it('reads a blob stored before encryption as it is', async () => {
    const { store } = make();
    const tenantId = await workspace();
    const blob = blobOf(tenantId);
    await store.put(blob.key, blob.content);
    expect(await createEncryptedBlobStore(store, database.db).get(blob.key)).toEqual(blob.content);
  });

  it('refuses an object moved to another key or another workspace, and a tampered one', async () => {
    const { store } = make();
    const blobs = createEncryptedBlobStore(store, database.db);
    const tenantId = await workspace();
    const blob = blobOf(tenantId);
    await blobs.put(blob.key, blob.content);
    const sealed = (await store.get(blob.key)) as Buffer;

    const sameWorkspace = blobOf(tenantId);
    await store.put(sameWorkspace.key, sealed);
    await expect(blobs.get(sameWorkspace.key)).rejects.toThrow(/does not open/);

    const other = blobOf(await workspace());
    await blobs.put(other.key, other.content);
    const moved = mediaBlobKey(other.key.split('/')[0] as string, blob.key.split('/')[1] as string);
    await store.put(moved, sealed);
    await expect(blobs.get(moved)).rejects.toThrow(/does not open/);

    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered.at(-1) as number) ^ 1;
    await store.put(blob.key, tampered);
    await expect(blobs.get(blob.key)).rejects.toThrow(/does not open/);
  });

  it('still opens a blob sealed under a previous data-key version after a rotation', async () => {
    const { store } = make();
    const blobs = createEncryptedBlobStore(store, database.db);
    const tenantId = await workspace();
    const before = blobOf(tenantId);
    await blobs.put(before.key, before.content);
    await rotateDataKey(database.db, tenantId, 'test-rotation');
    const after = blobOf(tenantId);
    await blobs.put(after.key, after.content);

    const versionOf = async (key: string) => ((await store.get(key)) as Buffer).readUInt32BE(5);
    expect(await versionOf(before.key)).toBe(1);
    expect(await versionOf(after.key)).toBe(2);
    expect(await blobs.get(before.key)).toEqual(before.content);
    expect(await blobs.get(after.key)).toEqual(after.content);
  });
});

it('writes nothing under a key that is not a tenant blob key', async () => {
  const blobs = createEncryptedBlobStore(createFilesystemBlobStore(dir), database.db);
  await expect(blobs.put('../../etc/passwd', Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
  await writeFile(path.join(dir, 'stray'), 'x');
  await expect(blobs.get('stray')).rejects.toThrow(/invalid blob key/);
});
