import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import { conversationAttachmentSources } from '../../src/conversations/attachments/attachments.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { buildTestApp } from '../support/app.js';
import { seedConversation } from '../support/inbox-fixtures.js';
import { captureLogger } from '../support/log-capture.js';
import { type OutboundHarness, outboundHarness, runTask } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CONTEXT = { requestId: 'attachments-test', ip: '127.0.0.1', userAgent: 'vitest' };
const PHONE_NUMBER_ID = '106540352244411';
const OTHER_PHONE_NUMBER_ID = '106540352244422';
const BOUNDARY = 'attachments-test-boundary';
const logs = captureLogger();

// The smallest valid-looking files of each kind: what matters is their signature, not their content.
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('fake png body'),
]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');
const HTML = Buffer.from('<!doctype html><script>alert(1)</script>');
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 0x90)]);

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let fake: FakeGraphApi;
let harness: OutboundHarness;
let sendTask: ReturnType<typeof createSendMessageTask>;
let tenantId: string;
let admin: SignedInMember;
let channelId: string;
let phoneCounter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  ({ app, config } = await buildTestApp({
    database,
    env: { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort },
  }));
  harness = outboundHarness(database, config, fake, logs.logger);
  harness.outbound.attachments = conversationAttachmentSources;
  sendTask = createSendMessageTask(harness.outbound);
  tenantId = await newTenant(database.db, 'Ótica Brasil');
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  channelId = await channelOf(tenantId, owner.userId, PHONE_NUMBER_ID);
});

afterAll(async () => {
  await harness?.close();
  await app?.close();
  await fake?.close();
  await database?.drop();
});

beforeEach(() => fake.reset());

async function channelOf(tenant: string, userId: string, phoneNumberId: string): Promise<string> {
  const { channel } = await createChannel(
    database.db,
    config,
    tenant,
    { userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Attachments line',
      phoneNumberId,
      displayPhoneNumber: '+1 555 078 4411',
      wabaId: `1022901293${phoneNumberId.slice(-5)}`,
      accessToken: fake.accessToken,
      appSecret: 'app-secret-attachments-test-01',
    },
  );
  return channel.id;
}

/** A conversation whose customer last wrote `lastInboundAt` ago. */
async function conversation(lastInboundAt = new Date(), tenant = tenantId, channel = channelId) {
  phoneCounter += 1;
  const { conversationId } = await seedConversation(
    database.db,
    tenant,
    channel,
    { phoneE164: `+55119777${String(phoneCounter).padStart(5, '0')}`, displayName: 'Rita' },
    [{ direction: 'inbound', text: 'Pode mandar a foto?', sentAt: lastInboundAt }],
  );
  return conversationId;
}

function multipart(parts: Array<{ name?: string; fileName?: string; bytes: Buffer; type?: string }>) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name ?? 'file'}"${part.fileName === undefined ? '' : `; filename="${part.fileName}"`}`;
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      part.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

function upload(
  conversationId: string,
  fileName: string,
  bytes: Buffer,
  options: { type?: string; member?: SignedInMember } = {},
) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/attachments`,
    headers: {
      ...(options.member ?? admin).headers,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
    },
    payload: multipart([{ fileName, bytes, ...(options.type ? { type: options.type } : {}) }]),
  });
}

function send(conversationId: string, body: object, member: SignedInMember = admin) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/messages`,
    headers: member.headers,
    payload: body,
  });
}

async function attachmentCount(conversationId: string): Promise<number> {
  const rows = await database.ownerDb
    .selectFrom('conversationAttachments')
    .select('id')
    .where('conversationId', '=', conversationId)
    .execute();
  return rows.length;
}

describe('attaching a file in the inbox', () => {
  it('an image is uploaded, sent inside the window through Meta’s media upload once, and shown like inbound media', async () => {
    const conversationId = await conversation();
    const uploaded = await upload(conversationId, 'vitrine.png', PNG, { type: 'text/html' });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachment = uploaded.json() as { id: string; kind: string; mimeType: string; fileName: string };
    expect(attachment).toMatchObject({ kind: 'image', mimeType: 'image/png', fileName: 'vitrine.png' });
    // Stored sealed: the blob on disk is not the file.
    const row = await database.ownerDb
      .selectFrom('conversationAttachments')
      .selectAll()
      .where('id', '=', attachment.id)
      .executeTakeFirstOrThrow();
    expect(await harness.outbound.blobs.get(row.blobKey)).toEqual(PNG);
    const audit = await database.ownerDb
      .selectFrom('auditLog')
      .select('detail')
      .where('action', '=', 'conversations.attachment_uploaded')
      .where('tenantId', '=', tenantId)
      .execute();
    expect(audit.map((entry) => entry.detail)).toContainEqual(
      expect.objectContaining({ attachmentId: attachment.id, sizeBytes: PNG.length }),
    );

    const sent = await send(conversationId, {
      type: 'image',
      attachmentId: attachment.id,
      caption: 'A vitrine',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const messageId = sent.json().id as string;
    expect(sent.json()).toMatchObject({ type: 'image', status: 'pending' });

    // The thread serves the file at once, like a downloaded inbound image.
    const media = await app.inject({
      method: 'GET',
      url: `/api/v1/messages/${messageId}/media`,
      headers: admin.headers,
    });
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/png');
    expect(media.rawPayload).toEqual(PNG);

    await runTask(database.db, sendTask, tenantId, { messageId }, { logger: logs.logger });
    await runTask(database.db, sendTask, tenantId, { messageId }, { logger: logs.logger });
    const uploads = fake.uploads();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.mimeType).toBe('image/png');
    expect(uploads[0]?.body).toEqual(PNG);
    const sends = fake.sends();
    expect(sends).toHaveLength(1);
    expect(sends[0]?.body).toMatchObject({
      type: 'image',
      image: { id: uploads[0]?.id, caption: 'A vitrine' },
    });
    const image = (sends[0]?.body as { image?: Record<string, unknown> } | undefined)?.image;
    expect(image).not.toHaveProperty('filename');
    const message = await database.ownerDb
      .selectFrom('messages')
      .select(['status', 'providerMessageId'])
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    expect(message.status).toBe('accepted');
    expect(message.providerMessageId).not.toBeNull();
  });

  it('a document keeps only a safe name with the extension of its real type, and goes out as a document', async () => {
    const conversationId = await conversation();
    const uploaded = await upload(conversationId, '..\\..\\../etc/orçamento\u202e.html', PDF);
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachment = uploaded.json() as { id: string; fileName: string; kind: string };
    expect(attachment.kind).toBe('document');
    expect(attachment.fileName).toBe('orçamento.pdf');

    const sent = await send(conversationId, {
      type: 'document',
      attachmentId: attachment.id,
      caption: 'Segue',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    await runTask(database.db, sendTask, tenantId, { messageId: sent.json().id }, { logger: logs.logger });
    expect(fake.uploads()[0]).toMatchObject({ mimeType: 'application/pdf', filename: 'orçamento.pdf' });
    expect(fake.sends()[0]?.body).toMatchObject({
      type: 'document',
      document: { id: fake.uploads()[0]?.id, filename: 'orçamento.pdf', caption: 'Segue' },
    });
  });

  it('outside the customer window the send is refused and nothing is queued', async () => {
    const conversationId = await conversation(new Date(Date.now() - 25 * 60 * 60 * 1000));
    const uploaded = await upload(conversationId, 'foto.png', PNG);
    expect(uploaded.statusCode).toBe(201);
    const sent = await send(conversationId, { type: 'image', attachmentId: uploaded.json().id });
    expect(sent.statusCode).toBe(422);
    expect(sent.json().error.code).toBe('outside_customer_window');
    const rows = await database.ownerDb
      .selectFrom('messages')
      .select('id')
      .where('conversationId', '=', conversationId)
      .where('direction', '=', 'outbound')
      .execute();
    expect(rows).toHaveLength(0);
  });
});

describe('bad uploads are refused with a clear 4xx and store nothing', () => {
  it.each([
    ['a page disguised as a JPEG by its name and header', 'photo.jpg', HTML, 'image/jpeg', 415],
    ['a program disguised as a PDF', 'invoice.pdf', EXE, 'application/pdf', 415],
    ['text with a NUL named .txt', 'notes.txt', Buffer.from('abc\u0000def'), 'text/plain', 415],
    ['an empty file', 'empty.pdf', Buffer.alloc(0), 'application/pdf', 400],
    ['an image over 5 MB', 'big.png', Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), 'image/png', 413],
  ])('%s', async (_name, fileName, bytes, type, status) => {
    const conversationId = await conversation();
    const response = await upload(conversationId, fileName, bytes, { type });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(await attachmentCount(conversationId)).toBe(0);
  });

  it('a request without a file, with only a field, with two files, or not multipart at all', async () => {
    const conversationId = await conversation();
    const url = `/api/v1/conversations/${conversationId}/attachments`;
    const headers = { ...admin.headers, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
    const none = await app.inject({ method: 'POST', url, headers, payload: `--${BOUNDARY}--\r\n` });
    expect(none.statusCode, none.body).toBe(400);
    const field = await app.inject({
      method: 'POST',
      url,
      headers,
      payload: multipart([{ name: 'note', bytes: Buffer.from('x') }]),
    });
    expect(field.statusCode, field.body).toBe(400);
    const two = await app.inject({
      method: 'POST',
      url,
      headers,
      payload: multipart([
        { fileName: 'a.pdf', bytes: PDF },
        { fileName: 'b.pdf', bytes: PDF },
      ]),
    });
    expect(two.statusCode, two.body).toBe(400);
    const json = await app.inject({ method: 'POST', url, headers: admin.headers, payload: { file: 'x' } });
    expect(json.statusCode, json.body).toBe(415);
    expect(await attachmentCount(conversationId)).toBe(0);
  });

  it("another workspace's upload, or another conversation's, is not found when sending", async () => {
    const otherTenant = await newTenant(database.db, 'Outra Loja');
    const otherOwner = await signedInMember(database.db, config, { tenantId: otherTenant, role: 'owner' });
    fake.addPhoneNumber(OTHER_PHONE_NUMBER_ID);
    const otherChannel = await channelOf(otherTenant, otherOwner.userId, OTHER_PHONE_NUMBER_ID);
    const theirConversation = await conversation(new Date(), otherTenant, otherChannel);
    const theirs = await upload(theirConversation, 'theirs.pdf', PDF, { member: otherOwner });
    expect(theirs.statusCode, theirs.body).toBe(201);

    const mine = await conversation();
    const foreign = await send(mine, { type: 'document', attachmentId: theirs.json().id });
    expect(foreign.statusCode).toBe(404);
    // Uploading to their conversation from this workspace: not found either.
    expect((await upload(theirConversation, 'x.pdf', PDF)).statusCode).toBe(404);

    const elsewhere = await conversation();
    const sibling = await upload(elsewhere, 'sibling.pdf', PDF);
    const crossed = await send(mine, { type: 'document', attachmentId: sibling.json().id });
    expect(crossed.statusCode).toBe(404);
    // An image is not a document.
    const image = await upload(mine, 'p.png', PNG);
    const wrongType = await send(mine, { type: 'document', attachmentId: image.json().id });
    expect(wrongType.statusCode).toBe(400);
  });
});
