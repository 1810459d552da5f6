import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeS3, startFakeS3 } from '../../../test/fakes/s3-server.js';
import { OutboundError } from '../http/outbound/errors.js';
import { createOutboundClient, type OutboundClient } from '../http/outbound/outbound-client.js';
import { type BlobStore, mediaBlobKey } from './blob-store.js';
import { createFilesystemBlobStore } from './filesystem-blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';

const credentials = {
  accessKeyId: 'AKIDLEADLINETEST',
  secretAccessKey: 'test/secret+key',
  region: 'eu-central-1',
};
let dir: string;
let s3: FakeS3;
let http: OutboundClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leadline-blob-store-'));
  s3 = await startFakeS3({ bucket: 'leadline-media', credentials });
  http = createOutboundClient({
    connectTimeoutMs: 1_000,
    timeoutMs: 2_000,
    retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 0 },
  });
});

afterAll(async () => {
  await http?.close();
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const key = () => {
  const content = randomBytes(2_000);
  return { content, key: mediaBlobKey(randomUUID(), createHash('sha256').update(content).digest('hex')) };
};

function behavesLikeABlobStore(name: string, store: () => BlobStore) {
  describe(name, () => {
    it('stores, reads back and deletes a blob', async () => {
      const blob = key();
      await store().put(blob.key, blob.content);
      expect(await store().get(blob.key)).toEqual(blob.content);
      await store().delete(blob.key);
      expect(await store().get(blob.key)).toBeUndefined();
    });

    it('answers undefined for a missing blob and deletes one quietly', async () => {
      const blob = key();
      expect(await store().get(blob.key)).toBeUndefined();
      await store().delete(blob.key);
    });

    it.each(['../../etc/passwd', 'a/b', `${randomUUID()}/../x`, `${randomUUID()}/${'0'.repeat(63)}`])(
      'refuses the key %s',
      async (bad) => {
        await expect(store().put(bad, Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
      },
    );
  });
}

behavesLikeABlobStore('filesystem blob store', () => createFilesystemBlobStore(dir));
behavesLikeABlobStore('S3-compatible blob store', () =>
  createS3BlobStore({ http, endpoint: s3.url, bucket: 'leadline-media', credentials, maxBytes: 1024 * 1024 }),
);

describe('filesystem blob store', () => {
  it('leaves no temporary files behind (write to a temporary name, then rename)', async () => {
    const blob = key();
    await createFilesystemBlobStore(dir).put(blob.key, blob.content);
    const tenantDir = path.join(dir, blob.key.split('/')[0] as string);
    expect(await readdir(tenantDir)).toEqual([blob.key.split('/')[1]]);
  });
});

describe('S3-compatible blob store', () => {
  it('signs requests (a wrong secret is refused with 403) and keeps the object in the bucket', async () => {
    const blob = key();
    await createS3BlobStore({
      http,
      endpoint: s3.url,
      bucket: 'leadline-media',
      credentials,
      maxBytes: 1024 * 1024,
    }).put(blob.key, blob.content);
    expect(s3.objects.get(blob.key)).toEqual(blob.content);
    const wrong = createS3BlobStore({
      http,
      endpoint: s3.url,
      bucket: 'leadline-media',
      credentials: { ...credentials, secretAccessKey: 'not-the-secret' },
      maxBytes: 1024 * 1024,
    });
    const error = await wrong.put(blob.key, blob.content).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect((error as OutboundError).details.status).toBe(403);
    expect((error as OutboundError).message).not.toContain('not-the-secret');
  });
});
