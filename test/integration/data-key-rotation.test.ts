import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertInboundMessage, listMessages } from '../../src/conversations/messages.repository.js';
import { BLOB_BATCH } from '../../src/encryption/blob-reencryption.js';
import { BLOBS_POSITION, keyStatus, rotateDataKey } from '../../src/encryption/data-keys.service.js';
import { createReencryptTask } from '../../src/encryption/reencrypt.task.js';
import { type BlobStore, mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import {
  createEncryptedBlobStore,
  storedBlobVersion,
} from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import { createS3BlobStore } from '../../src/platform/blobs/s3-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { configureDataKeys, dataKeys } from '../../src/platform/crypto/data-keys.js';
import { LocalMasterKeyRing } from '../../src/platform/crypto/master-key-ring.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import {
  createOutboundClient,
  type OutboundClient,
} from '../../src/platform/http/outbound/outbound-client.js';
import { ZJobEnvelope } from '../../src/platform/jobs/task.js';
import { type FakeS3, startFakeS3 } from '../fakes/s3-server.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { createConversation } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const credentials = {
  accessKeyId: 'AKIDLEADLINEROTATE',
  secretAccessKey: 'rotate/secret',
  region: 'eu-west-1',
};
/** Short key-cache lifetime: a pass may retire the old version 2 x 200 ms after the rotation. */
const TTL_MS = 200;

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let dir: string;
let s3: FakeS3;
let http: OutboundClient;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  // After the app (which configures the process's keys with the default lifetime).
  configureDataKeys(new LocalMasterKeyRing(TEST_SECRET_KEY, []), { ttlMs: TTL_MS });
  dir = await mkdtemp(path.join(tmpdir(), 'leadline-rotation-'));
  s3 = await startFakeS3({ bucket: 'leadline-media', credentials });
  http = createOutboundClient({
    connectTimeoutMs: 1_000,
    timeoutMs: 5_000,
    allowPrivateHosts: [s3.hostPort],
    retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 0 },
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await http?.close();
  await s3?.close();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stores: [string, () => BlobStore][] = [
  ['filesystem', () => createFilesystemBlobStore(dir)],
  [
    'S3',
    () =>
      createS3BlobStore({
        http,
        endpoint: s3.url,
        bucket: 'leadline-media',
        credentials,
        maxBytes: 1_000_000,
      }),
  ],
];

/** Runs the queued re-encryption jobs with the real handler, as the worker would, until none is left. */
async function drainReencryption(stored: BlobStore): Promise<number> {
  const task = createReencryptTask({ blobs: stored });
  const { logger } = captureLogger();
  const deadline = Date.now() + 30_000;
  let ran = 0;
  for (;;) {
    const jobs = await jobsOfTask(database.ownerDb, task.id);
    if (jobs.length === 0) return ran;
    if (Date.now() > deadline) throw new Error('the re-encryption did not end');
    for (const job of jobs) {
      // A pass that waits for every process to see the new version is due later: run it when due.
      if (job.runAt.getTime() > Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, job.runAt.getTime() - Date.now() + 5));
      }
      const envelope = ZJobEnvelope.parse(job.payload);
      const tenantId = envelope.tenantId as string;
      await sql`delete from graphile_worker._private_jobs where id = ${job.id}::bigint`.execute(
        database.ownerDb,
      );
      await task.handle(task.schema.parse(envelope.payload), {
        tenantId,
        requestId: envelope.requestId,
        jobId: job.id,
        attempt: 1,
        logger,
        signal: undefined,
        withTenant: (work) => withTenant(database.db, tenantId, work),
      });
      ran += 1;
    }
  }
}

async function versions(tenantId: string): Promise<number[]> {
  const { rows } = await sql<{ version: number }>`
    select version from workspace_data_keys where tenant_id = ${tenantId} order by version`.execute(
    database.ownerDb,
  );
  return rows.map((row) => row.version);
}

/** A workspace with a message, `count` media blobs sealed now, one legacy plaintext blob and an import part. */
async function workspaceWithBlobs(stored: BlobStore, count: number) {
  const tenantId = await newTenant(database.db, 'Rotation');
  const conversation = await createConversation(database.db, config, { tenantId, accessToken: 't' });
  await withTenant(database.db, tenantId, (trx) =>
    insertInboundMessage(trx, {
      conversationId: conversation.conversationId,
      channelId: conversation.channelId,
      providerMessageId: `wamid.${randomBytes(8).toString('hex')}`,
      sentAt: new Date(),
      message: {
        type: 'text',
        author: 'customer',
        text: 'the kitchen, Giulia Bianchi',
        content: {},
        media: null,
      },
    }),
  );
  const blobs = createEncryptedBlobStore(stored, database.db);
  const contents = new Map<string, Buffer>();
  /** A blob (sealed now, or as plaintext from before encryption) and an image message naming it. */
  const media = async (content: Buffer, seal: boolean) => {
    const sha = createHash('sha256').update(content).digest('hex');
    const key = mediaBlobKey(tenantId, sha);
    if (seal) await blobs.put(key, content);
    else await stored.put(key, content);
    contents.set(key, content);
    return { key, sha };
  };
  const mediaMessage = async (blob: { key: string; sha: string }) =>
    withTenant(database.db, tenantId, async (trx) => {
      const stored = await insertInboundMessage(trx, {
        conversationId: conversation.conversationId,
        channelId: conversation.channelId,
        providerMessageId: `wamid.${randomBytes(8).toString('hex')}`,
        sentAt: new Date(),
        message: { type: 'image', author: 'customer', text: null, content: {}, media: null },
      });
      await trx
        .insertInto('messageMedia')
        .values({
          messageId: stored?.id as string,
          providerMediaId: `media-${blob.sha.slice(0, 8)}`,
          mimeType: 'image/jpeg',
          sha256: blob.sha,
          fileName: null,
          sizeBytes: '40',
          blobKey: blob.key,
          state: 'stored',
          failure: null,
        })
        .execute();
    });
  for (let i = 0; i < count; i += 1) {
    await mediaMessage(
      await media(Buffer.from(`photo ${i} of Giulia Bianchi ${randomBytes(6).toString('hex')}`), true),
    );
  }
  const legacy = await media(Buffer.from(`a legacy plaintext scan ${randomBytes(6).toString('hex')}`), false);
  await mediaMessage(legacy);
  const part = await media(
    Buffer.from(`phone,name\n+393331234567,Giulia ${randomBytes(4).toString('hex')}`),
    true,
  );
  await sql`
    insert into contact_imports (tenant_id, file_name, blob_parts, size_bytes, encoding, delimiter, headers)
    values (${tenantId}, 'contacts.csv', ${[part.sha]}::text[], 40, 'utf-8', ',', '["phone","name"]')`.execute(
    database.ownerDb,
  );
  return { tenantId, conversation, blobs, contents, legacyKey: legacy.key };
}

describe.each(stores)('rotation re-encrypts the blobs too (%s store)', (_name, makeStore) => {
  it('rotate → every value and blob re-encrypted in bounded batches → version 1 retired → all still readable', async () => {
    const stored = makeStore();
    const world = await workspaceWithBlobs(stored, BLOB_BATCH + 5);
    const blobCount = world.contents.size;
    const before = await keyStatus(database.db, world.tenantId, stored);
    expect(before.versions.map((v) => [v.version, v.blobs])).toEqual([[1, blobCount - 1]]);
    expect(before.legacyBlobs).toBe(1);

    expect(await rotateDataKey(database.db, world.tenantId, 'test-rotation')).toBe(2);
    const during = await keyStatus(database.db, world.tenantId, stored);
    expect(during.reencryption).toMatchObject({ targetVersion: 2, state: 'running', position: 'start' });

    const ran = await drainReencryption(stored);
    // Columns one batch each, then the blobs in at least two batches, then the retiring step.
    expect(ran).toBeGreaterThanOrEqual(BLOBS_POSITION + 2);
    expect(await versions(world.tenantId)).toEqual([2]);
    for (const key of world.contents.keys()) expect(await storedBlobVersion(stored, key)).toBe(2);

    const after = await keyStatus(database.db, world.tenantId, stored);
    expect(after.versions.map((v) => [v.version, v.values, v.blobs])).toEqual([[2, 1, blobCount]]);
    expect(after.legacyBlobs).toBe(0);
    expect(after.reencryption).toMatchObject({
      targetVersion: 2,
      state: 'done',
      blobsRewritten: blobCount,
      retiredVersions: [1],
    });

    // Readable through the encrypting store and the tenant transaction, with a cold key cache.
    configureDataKeys(new LocalMasterKeyRing(TEST_SECRET_KEY, []), { ttlMs: TTL_MS });
    for (const [key, content] of world.contents) expect(await world.blobs.get(key)).toEqual(content);
    const messages = await withTenant(database.db, world.tenantId, (trx) =>
      listMessages(trx, world.conversation.conversationId, { limit: 100 }),
    );
    expect(messages.flatMap((m) => (m.text === null ? [] : [m.text]))).toEqual([
      'the kitchen, Giulia Bianchi',
    ]);
    // Nothing of the person is left in the stored bytes.
    for (const key of world.contents.keys()) {
      expect((await stored.get(key))?.toString('latin1')).not.toContain('Giulia');
    }

    // Idempotent: another pass finds nothing to rewrite and retires nothing more.
    await rotateDataKey(database.db, world.tenantId, 'test-rotation-again');
    await drainReencryption(stored);
    expect(await versions(world.tenantId)).toEqual([3]);
    for (const [key, content] of world.contents) expect(await world.blobs.get(key)).toEqual(content);
  }, 120_000);
});

it('reads only the header of an S3 blob to count versions (a ranged GET)', async () => {
  const stored = stores[1]?.[1]() as BlobStore;
  const world = await workspaceWithBlobs(stored, 2);
  const ranged = s3.rangedGets();
  const status = await keyStatus(database.db, world.tenantId, stored);
  expect(status.versions.map((v) => v.blobs)).toEqual([3]);
  expect(s3.rangedGets() - ranged).toBe(4);
});

it('resumes a pass interrupted between blob batches without rewriting a blob twice', async () => {
  const stored = createFilesystemBlobStore(dir);
  const world = await workspaceWithBlobs(stored, BLOB_BATCH + 2);
  await rotateDataKey(database.db, world.tenantId, 'test-resume');
  const task = createReencryptTask({ blobs: stored });
  const { logger } = captureLogger();
  // Run jobs until the pass is inside the blobs, then run the same blob batch twice (a retried job).
  for (;;) {
    const [job] = await jobsOfTask(database.ownerDb, task.id);
    const envelope = ZJobEnvelope.parse(job?.payload);
    const payload = task.schema.parse(envelope.payload);
    const run = () =>
      task.handle(payload, {
        tenantId: world.tenantId,
        requestId: envelope.requestId,
        jobId: job?.id as string,
        attempt: 1,
        logger,
        signal: undefined,
        withTenant: (work) => withTenant(database.db, world.tenantId, work),
      });
    if (payload.column === BLOBS_POSITION && payload.after !== null) {
      await run();
      const once = (await keyStatus(database.db, world.tenantId, stored)).reencryption?.blobsRewritten;
      await run();
      const twice = (await keyStatus(database.db, world.tenantId, stored)).reencryption?.blobsRewritten;
      expect(twice).toBe(once);
      break;
    }
    await sql`delete from graphile_worker._private_jobs where id = ${job?.id}::bigint`.execute(
      database.ownerDb,
    );
    await run();
  }
  await drainReencryption(stored);
  expect(await versions(world.tenantId)).toEqual([2]);
  expect((await keyStatus(database.db, world.tenantId, stored)).reencryption?.blobsRewritten).toBe(
    world.contents.size,
  );
}, 120_000);

describe('the data-key API', () => {
  let tenantId: string;
  let owner: SignedInMember;
  let agent: SignedInMember;

  beforeAll(async () => {
    tenantId = await newTenant(database.db, 'Rotation API');
    owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
    agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
    // The workspace's first key, as its first encrypted message would make it.
    await withTenant(database.db, tenantId, (trx) => dataKeys().ensureCurrent(trx, tenantId));
  });

  const rotate = (headers: Record<string, string>, payload?: unknown) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/encryption/data-keys/rotate',
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });

  it('shows the versions to an owner, and nothing to an agent, an API key or nobody', async () => {
    const status = await app.inject({
      method: 'GET',
      url: '/api/v1/encryption/data-keys',
      headers: owner.headers,
    });
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json()).toMatchObject({
      current: 1,
      versions: [{ version: 1, values: 0, blobs: 0 }],
      legacyValues: 0,
      reencryption: null,
    });
    expect(status.headers['cache-control']).toBe('no-store');

    const asAgent = await app.inject({
      method: 'GET',
      url: '/api/v1/encryption/data-keys',
      headers: agent.headers,
    });
    expect(asAgent.statusCode).toBe(403);
    expect(asAgent.json().error.code).toBe('forbidden');
    const nobody = await app.inject({ method: 'GET', url: '/api/v1/encryption/data-keys' });
    expect(nobody.statusCode).toBe(401);

    const issued = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: owner.headers,
      payload: { name: 'all of it', scopes: ['admin'] },
    });
    const key = issued.json().key as string;
    const byKey = await app.inject({
      method: 'POST',
      url: '/api/v1/encryption/data-keys/rotate',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(byKey.statusCode).toBe(403);
    expect(await versions(tenantId)).toEqual([1]);
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    for (const payload of [{ force: true }, [1], 'rotate']) {
      const response = await rotate(owner.headers, payload);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.requestId).toBeTruthy();
    }
    const poisoned = await app.inject({
      method: 'POST',
      url: '/api/v1/encryption/data-keys/rotate',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: '{"__proto__":{"isAdmin":true}}',
    });
    expect(poisoned.statusCode).toBe(400);
    expect(await versions(tenantId)).toEqual([1]);
  });

  it('asks for a recent sign-in, then rotates, audits, and refuses a second rotation while the pass runs', async () => {
    await sql`update sessions set authenticated_at = now() - interval '1 day' where user_id = ${owner.userId}`.execute(
      database.ownerDb,
    );
    const stale = await rotate(owner.headers);
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error.details).toEqual([{ path: 'session', message: 'reauthentication_required' }]);
    expect(await versions(tenantId)).toEqual([1]);

    await sql`update sessions set authenticated_at = now() where user_id = ${owner.userId}`.execute(
      database.ownerDb,
    );
    const rotated = await rotate(owner.headers);
    expect(rotated.statusCode, rotated.body).toBe(202);
    expect(rotated.json()).toEqual({ version: 2 });
    expect(await versions(tenantId)).toEqual([1, 2]);
    const { rows } = await sql<{ detail: unknown; actorUserId: string }>`
      select detail, actor_user_id from audit_log
      where tenant_id = ${tenantId} and action = 'encryption.data_key_rotated'`.execute(database.ownerDb);
    expect(rows).toEqual([{ detail: { version: 2 }, actorUserId: owner.userId }]);

    const again = await rotate(owner.headers);
    expect(again.statusCode).toBe(409);
    expect(await versions(tenantId)).toEqual([1, 2]);

    await drainReencryption(createFilesystemBlobStore(dir));
    const status = await app.inject({
      method: 'GET',
      url: '/api/v1/encryption/data-keys',
      headers: owner.headers,
    });
    expect(status.json()).toMatchObject({
      current: 2,
      versions: [{ version: 2, values: 0, blobs: 0 }],
      reencryption: { targetVersion: 2, state: 'done', retiredVersions: [1] },
    });
    const third = await rotate(owner.headers);
    expect(third.statusCode).toBe(202);
    expect(third.json()).toEqual({ version: 3 });
  }, 60_000);
});
