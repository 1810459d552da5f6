import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDownloadMediaTask } from '../../src/channels/whatsapp/download-media.task.js';
import { createMarkReadTask } from '../../src/channels/whatsapp/mark-read.task.js';
import { downloadMediaTask } from '../../src/channels/whatsapp/task-refs.js';
import type { MessageMedia } from '../../src/conversations/messages.table.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { testConfig } from '../support/config.js';
import { insertMediaMessage } from '../support/inbox-fixtures.js';
import { captureLogger } from '../support/log-capture.js';
import {
  type ConversationFixture,
  createConversation,
  type OutboundHarness,
  outboundHarness,
  runTask,
} from '../support/outbound-fixtures.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logs = captureLogger();
let database: TestDatabase;
let fake: FakeGraphApi;
let config: Config;
let harness: OutboundHarness;
let blobDir: string;
let tenantId: string;
let fixture: ConversationFixture;
const MAX_BYTES = 64 * 1024;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  blobDir = await mkdtemp(path.join(tmpdir(), 'leadline-blobs-'));
  config = testConfig({
    WHATSAPP_GRAPH_API_URL: fake.url,
    OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort,
    BLOB_DIR: blobDir,
  });
  harness = outboundHarness(database, config, fake, logs.logger, { mediaMaxBytes: MAX_BYTES });
  tenantId = await newTenant(database.db);
  fixture = await createConversation(database.db, config, { tenantId, accessToken: fake.accessToken });
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
  await database?.drop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

/** An inbound media message as processing stores it: the message and a pending media row. */
async function inboundMedia(mediaId: string, type = 'image'): Promise<string> {
  return withTenant(database.db, tenantId, (trx) =>
    insertMediaMessage(
      trx,
      { conversationId: fixture.conversationId, channelId: fixture.channelId, type, content: { mediaId } },
      {
        providerMediaId: mediaId,
        mimeType: null,
        sha256: null,
        fileName: null,
        sizeBytes: null,
        blobKey: null,
        failure: null,
      },
    ),
  );
}

async function media(messageId: string): Promise<MessageMedia> {
  return withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('messageMedia').selectAll().where('messageId', '=', messageId).executeTakeFirstOrThrow(),
  );
}

const download = (messageId: string, attempt = 1, h: OutboundHarness = harness) =>
  runTask(
    database.db,
    createDownloadMediaTask(h.outbound),
    tenantId,
    { messageId },
    { attempt, logger: logs.logger },
  );

const downloads = () => fake.requests.filter((r) => r.path.startsWith('/media-download/'));
const newMediaId = () => String(10 ** 14 + Math.floor(Math.random() * 10 ** 14));

describe('media download', () => {
  it('fetches the metadata, downloads with the token, verifies SHA-256 and stores the blob', async () => {
    const bytes = randomBytes(20_000);
    const mediaId = newMediaId();
    fake.addMedia(mediaId, { body: bytes, mimeType: 'image/jpeg' });
    const messageId = await inboundMedia(mediaId);
    await download(messageId);

    const digest = createHash('sha256').update(bytes).digest('hex');
    const row = await media(messageId);
    expect(row).toMatchObject({
      state: 'stored',
      blobKey: `${tenantId}/${digest}`,
      sizeBytes: '20000',
      mimeType: 'image/jpeg',
    });
    // Sealed at rest: the file holds an envelope, not the media; readers through the store get the media.
    const stored = await readFile(path.join(blobDir, tenantId, digest));
    expect(stored.subarray(0, 3).toString('latin1')).toBe('LLE');
    expect(stored.includes(bytes.subarray(0, 64))).toBe(false);
    expect(await harness.outbound.blobs.get(`${tenantId}/${digest}`)).toEqual(bytes);
    expect(downloads()).toHaveLength(1);
    expect(downloads()[0]?.authorization).toBe(`Bearer ${fake.accessToken}`);
    // Done is done: another run downloads nothing.
    await download(messageId);
    expect(downloads()).toHaveLength(1);
  });

  it('refuses a type outside WhatsApp’s supported media without downloading it', async () => {
    const mediaId = newMediaId();
    fake.addMedia(mediaId, { body: Buffer.from('MZ...'), mimeType: 'application/x-msdownload' });
    const messageId = await inboundMedia(mediaId, 'document');
    await download(messageId);
    expect(await media(messageId)).toMatchObject({ state: 'failed', blobKey: null });
    expect((await media(messageId)).failure).toMatch(/unsupported media type/);
    expect(downloads()).toHaveLength(0);
  });

  it('refuses media over MEDIA_MAX_BYTES', async () => {
    const mediaId = newMediaId();
    fake.addMedia(mediaId, { body: randomBytes(MAX_BYTES + 1), mimeType: 'video/mp4' });
    const messageId = await inboundMedia(mediaId, 'video');
    await download(messageId);
    expect((await media(messageId)).failure).toMatch(/exceeds/);
    expect(downloads()).toHaveLength(0);
  });

  it('refuses a media URL pointing at a private address (SSRF) and records why', async () => {
    const mediaId = newMediaId();
    fake.addMedia(mediaId, {
      body: Buffer.from('x'),
      mimeType: 'image/png',
      url: 'https://169.254.169.254/latest/meta-data/iam',
    });
    const messageId = await inboundMedia(mediaId);
    await download(messageId);
    const row = await media(messageId);
    expect(row.state).toBe('failed');
    expect(row.failure).toMatch(/not a public address/);
  });

  it('refuses plain HTTP for a media host that is not allow-listed', async () => {
    const strict = outboundHarness(database, config, fake, logs.logger, {
      allowFake: false,
      mediaMaxBytes: MAX_BYTES,
    });
    try {
      const mediaId = newMediaId();
      fake.addMedia(mediaId, {
        body: Buffer.from('x'),
        mimeType: 'image/png',
        url: 'http://example.com/media/1',
      });
      const messageId = await inboundMedia(mediaId);
      // The Graph base URL is trusted configuration (the fake, over http): only the media URL is guarded.
      await download(messageId, 1, strict);
      expect((await media(messageId)).failure).toMatch(/plain HTTP/);
    } finally {
      await strict.close();
    }
  });

  it('retries a SHA-256 mismatch, and records the failure on the last attempt instead of crashing', async () => {
    const mediaId = newMediaId();
    fake.addMedia(mediaId, { body: randomBytes(100), mimeType: 'audio/ogg', sha256: 'a'.repeat(64) });
    const messageId = await inboundMedia(mediaId, 'audio');
    await expect(download(messageId, 1)).rejects.toThrow(/SHA-256/);
    expect((await media(messageId)).state).toBe('pending');
    await download(messageId, downloadMediaTask.maxAttempts);
    expect(await media(messageId)).toMatchObject({ state: 'failed', blobKey: null });
  });

  it('retries when the Graph API is down, then stores on a later attempt', async () => {
    const mediaId = newMediaId();
    const bytes = randomBytes(500);
    fake.addMedia(mediaId, { body: bytes, mimeType: 'application/pdf' });
    fake.fail({ kind: 'http-500' }, { times: 3 });
    const messageId = await inboundMedia(mediaId, 'document');
    await expect(download(messageId, 1)).rejects.toThrow();
    expect((await media(messageId)).state).toBe('pending');
    await download(messageId, 2);
    expect((await media(messageId)).state).toBe('stored');
  });
});

describe('mark as read', () => {
  it('posts Meta’s read receipt for an inbound message', async () => {
    const messageId = await inboundMedia(newMediaId());
    const wamid = await withTenant(
      database.db,
      tenantId,
      async (trx) =>
        (
          await trx
            .selectFrom('messages')
            .select('providerMessageId')
            .where('id', '=', messageId)
            .executeTakeFirstOrThrow()
        ).providerMessageId,
    );
    await runTask(
      database.db,
      createMarkReadTask(harness.outbound),
      tenantId,
      { messageId },
      { logger: logs.logger },
    );
    expect(fake.readReceipts()).toHaveLength(1);
    expect(fake.readReceipts()[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
    });
  });

  it('sends no receipt when the channel has mark-as-read switched off', async () => {
    const messageId = await inboundMedia(newMediaId());
    await withTenant(database.db, tenantId, (trx) =>
      trx
        .updateTable('whatsappChannels')
        .set({ markAsRead: false })
        .where('id', '=', fixture.channelId)
        .execute(),
    );
    try {
      await runTask(
        database.db,
        createMarkReadTask(harness.outbound),
        tenantId,
        { messageId },
        { logger: logs.logger },
      );
      expect(fake.readReceipts()).toHaveLength(0);
    } finally {
      await withTenant(database.db, tenantId, (trx) =>
        trx
          .updateTable('whatsappChannels')
          .set({ markAsRead: true })
          .where('id', '=', fixture.channelId)
          .execute(),
      );
    }
  });

  it('drops a refused receipt (e.g. 131009) without failing, and rethrows a transient failure for a retry', async () => {
    const messageId = await inboundMedia(newMediaId());
    const markRead = createMarkReadTask(harness.outbound);
    fake.fail({ kind: 'graph-error', code: 131009, title: 'Parameter value is not valid' });
    await runTask(database.db, markRead, tenantId, { messageId }, { logger: logs.logger });
    fake.fail({ kind: 'http-500' }, { times: 3 });
    await expect(
      runTask(database.db, markRead, tenantId, { messageId }, { logger: logs.logger }),
    ).rejects.toThrow();
  });
});
