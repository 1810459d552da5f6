import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { buildTestApp } from '../support/app.js';
import { insertMediaMessage, listenToInbox, seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CONTEXT = { requestId: 'inbox-resources', ip: '127.0.0.1', userAgent: 'vitest' };
const WABA_ID = '102290129340777';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let fake: FakeGraphApi;
let blobDir: string;
let tenantId: string;
let admin: SignedInMember;
let agent: SignedInMember;
let channelId: string;
let conversationId: string;
let contactId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  blobDir = await mkdtemp(path.join(tmpdir(), 'leadline-inbox-blobs-'));
  ({ app, config } = await buildTestApp({
    database,
    env: { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort, BLOB_DIR: blobDir },
  }));
  tenantId = await newTenant(database.db, 'Inbox resources');
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: admin.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Resources line',
      phoneNumberId: '106540352242941',
      displayPhoneNumber: '+1 555 078 3884',
      wabaId: WABA_ID,
      accessToken: fake.accessToken,
      appSecret: 'app-secret-inbox-resources-01',
    },
  );
  channelId = channel.id;
  ({ conversationId, contactId } = await seedConversation(
    database.db,
    tenantId,
    channelId,
    { phoneE164: '+393339990001', displayName: 'Grace' },
    [{ direction: 'inbound', text: 'Hi', sentAt: new Date() }],
  ));
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await database?.drop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  member: SignedInMember,
  payload?: object,
) {
  return app.inject({ method, url, headers: member.headers, ...(payload === undefined ? {} : { payload }) });
}

describe('labels', () => {
  it('admins create, rename and delete them; agents read and apply them but cannot manage them', async () => {
    const created = await call('POST', '/api/v1/labels', admin, { name: ' Hot lead ', color: '#FF8800' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Hot lead', color: '#ff8800' });
    const id = created.json().id;
    expect((await call('POST', '/api/v1/labels', agent, { name: 'Mine', color: '#000000' })).statusCode).toBe(
      403,
    );
    expect((await call('PATCH', `/api/v1/labels/${id}`, agent, { name: 'x' })).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/labels', agent)).json().items).toEqual([created.json()]);

    const applied = await call('PUT', `/api/v1/conversations/${conversationId}/labels`, agent, {
      labelIds: [id, id],
    });
    expect(applied.json().labels).toEqual([created.json()]);
    const renamed = await call('PATCH', `/api/v1/labels/${id}`, admin, { name: 'Warm lead' });
    expect(renamed.json().name).toBe('Warm lead');
    expect((await call('DELETE', `/api/v1/labels/${id}`, admin)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/conversations/${conversationId}`, agent)).json().labels).toEqual([]);
    expect((await call('DELETE', `/api/v1/labels/${id}`, admin)).statusCode).toBe(404);
  });

  it('refuses duplicate names (any case) with 409, bad names and colours with 400, unknown labels with 422', async () => {
    await call('POST', '/api/v1/labels', admin, { name: 'Paid', color: '#00aa00' });
    expect((await call('POST', '/api/v1/labels', admin, { name: 'PAID', color: '#00aa00' })).statusCode).toBe(
      409,
    );
    for (const body of [
      { name: '', color: '#00aa00' },
      { name: 'x'.repeat(51), color: '#00aa00' },
      { name: 'tab\there', color: '#00aa00' },
      { name: 'Red', color: 'red' },
      { name: 'Red', color: '#f00' },
      { name: 'Red', color: '#ff0000', extra: 1 },
    ]) {
      expect((await call('POST', '/api/v1/labels', admin, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    const unknown = await call('PUT', `/api/v1/conversations/${conversationId}/labels`, agent, {
      labelIds: [crypto.randomUUID()],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('unknown_label');
  });
});

describe('canned responses', () => {
  it('admins manage them; everyone finds them by shortcut prefix or text', async () => {
    const created = await call('POST', '/api/v1/canned-responses', admin, {
      shortcut: 'price-list',
      text: 'Our price list:\nhttps://example.com/prices',
    });
    expect(created.statusCode, created.body).toBe(201);
    await call('POST', '/api/v1/canned-responses', admin, {
      shortcut: 'hours',
      text: 'We open at 9 (100% sure)',
    });
    const id = created.json().id;
    const find = async (q: string) =>
      (await call('GET', `/api/v1/canned-responses?q=${encodeURIComponent(q)}`, agent))
        .json()
        .items.map((item: { shortcut: string }) => item.shortcut);
    expect(await find('pri')).toEqual(['price-list']);
    expect(await find('LIST:')).toEqual(['price-list']);
    expect(await find('100%')).toEqual(['hours']);
    expect(await find('_')).toEqual([]);
    expect(await find('list')).toEqual(['price-list']);
    expect((await call('GET', '/api/v1/canned-responses', agent)).json().items).toHaveLength(2);

    expect(
      (await call('POST', '/api/v1/canned-responses', agent, { shortcut: 'a', text: 'b' })).statusCode,
    ).toBe(403);
    const changed = await call('PATCH', `/api/v1/canned-responses/${id}`, admin, {
      text: 'Prices on request',
    });
    expect(changed.json()).toMatchObject({ shortcut: 'price-list', text: 'Prices on request' });
    expect((await call('DELETE', `/api/v1/canned-responses/${id}`, admin)).statusCode).toBe(204);
    expect(await find('pri')).toEqual([]);
  });

  it('refuses bad shortcuts and texts with 400 and a taken shortcut with 409', async () => {
    for (const body of [
      { shortcut: 'Upper', text: 'x' },
      { shortcut: 'with space', text: 'x' },
      { shortcut: 'x'.repeat(33), text: 'x' },
      { shortcut: 'ok', text: '' },
      { shortcut: 'ok', text: 'x'.repeat(4097) },
      { shortcut: 'ok', text: 'nul\u0000' },
    ]) {
      expect(
        (await call('POST', '/api/v1/canned-responses', admin, body)).statusCode,
        JSON.stringify(body),
      ).toBe(400);
    }
    await call('POST', '/api/v1/canned-responses', admin, { shortcut: 'thanks', text: 'Thank you!' });
    const taken = await call('POST', '/api/v1/canned-responses', admin, {
      shortcut: 'thanks',
      text: 'Again',
    });
    expect(taken.statusCode).toBe(409);
  });
});

/** An inbound media message of the tenant; its bytes stored (or not) as the download task would. */
async function mediaMessage(input: {
  mimeType: string;
  fileName: string | null;
  body?: Buffer;
  state?: 'stored' | 'pending';
}) {
  const body = input.body ?? Buffer.from('%PDF-1.7 fake bytes');
  const blobKey = mediaBlobKey(tenantId, createHash('sha256').update(body).digest('hex'));
  if (input.state !== 'pending') await createFilesystemBlobStore(blobDir).put(blobKey, body);
  return withTenant(database.db, tenantId, (trx) =>
    insertMediaMessage(
      trx,
      { conversationId, channelId, type: 'document' },
      {
        providerMediaId: `media-${crypto.randomUUID()}`,
        mimeType: input.mimeType,
        sha256: null,
        fileName: input.fileName,
        sizeBytes: String(body.length),
        blobKey: input.state === 'pending' ? null : blobKey,
        state: input.state ?? 'stored',
        failure: null,
      },
    ),
  );
}

describe('media', () => {
  it('streams stored bytes with the allow-listed type, a safe file name and private caching', async () => {
    const body = Buffer.from('%PDF-1.7 quote');
    const id = await mediaMessage({
      mimeType: 'application/pdf',
      fileName: '../../Preventivo “Q4”.html',
      body,
    });
    const response = await call('GET', `/api/v1/messages/${id}/media`, agent);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(body)).toBe(true);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(response.headers['content-security-policy']).toContain('sandbox');
    const disposition = String(response.headers['content-disposition']);
    expect(disposition).toMatch(
      /^attachment; filename="Preventivo \?Q4\?\.pdf"; filename\*=UTF-8''Preventivo%20%E2%80%9CQ4%E2%80%9D\.pdf$/,
    );
    expect(disposition).not.toContain('..');
  });

  it('shows images inline and serves a type outside the allow-list as opaque bytes', async () => {
    const image = await mediaMessage({ mimeType: 'image/png', fileName: null, body: Buffer.from('png') });
    const shown = await call('GET', `/api/v1/messages/${image}/media`, agent);
    expect(shown.headers['content-disposition']).toBe(`inline; filename="media-${image}.png"`);
    const odd = await mediaMessage({
      mimeType: 'text/html',
      fileName: 'x.html',
      body: Buffer.from('<script>'),
    });
    const served = await call('GET', `/api/v1/messages/${odd}/media`, agent);
    expect(served.headers['content-type']).toBe('application/octet-stream');
    expect(String(served.headers['content-disposition'])).toMatch(/^attachment; filename="x\.bin"$/);
  });

  it('answers 404 while not downloaded, for a message without media, and for another tenant’s', async () => {
    const pending = await mediaMessage({ mimeType: 'image/jpeg', fileName: null, state: 'pending' });
    expect((await call('GET', `/api/v1/messages/${pending}/media`, agent)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/messages/${crypto.randomUUID()}/media`, agent)).statusCode).toBe(404);
    const elsewhere = await newTenant(database.db, 'Elsewhere');
    const stranger = await signedInMember(database.db, config, { tenantId: elsewhere, role: 'owner' });
    const mine = await mediaMessage({ mimeType: 'image/jpeg', fileName: null, body: Buffer.from('jpg') });
    expect((await call('GET', `/api/v1/messages/${mine}/media`, stranger)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/messages/not-a-uuid/media`, agent)).statusCode).toBe(400);
  });
});

describe('templates', () => {
  it('lists the approved templates of the channel’s business account, following Graph pages', async () => {
    const body = { type: 'BODY', text: 'Hello {{1}}', example: { body_text: [['Grace']] } };
    fake.setTemplates(WABA_ID, [
      ...Array.from({ length: 55 }, (_, index) => ({
        name: `offer_${index}`,
        language: 'en_US',
        status: 'APPROVED' as const,
        category: 'MARKETING' as const,
        components: [body],
      })),
      { name: 'pending_one', language: 'en', status: 'PENDING', category: 'UTILITY', components: [] },
      { name: 'rejected_one', language: 'it', status: 'REJECTED', category: 'UTILITY', components: [] },
    ]);
    fake.reset();
    const response = await call('GET', `/api/v1/whatsapp/channels/${channelId}/templates`, agent);
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items;
    expect(items).toHaveLength(55);
    expect(items[0]).toEqual({
      name: 'offer_0',
      language: 'en_US',
      category: 'MARKETING',
      status: 'APPROVED',
      components: [body],
    });
    const calls = fake.requests.filter((request) => request.path.endsWith('/message_templates'));
    expect(calls.map((request) => request.path)).toEqual([
      `/v23.0/${WABA_ID}/message_templates`,
      `/v23.0/${WABA_ID}/message_templates`,
    ]);
    expect(calls[0]?.authorization).toBe(`Bearer ${fake.accessToken}`);
  });

  it('answers 502 provider_unavailable when Meta refuses, 404 for an unknown channel', async () => {
    fake.fail({ kind: 'graph-error', code: 190, httpStatus: 401, title: 'Invalid OAuth access token' });
    const refused = await call('GET', `/api/v1/whatsapp/channels/${channelId}/templates`, agent);
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error.code).toBe('provider_unavailable');
    expect(refused.body).not.toContain(fake.accessToken);
    const unknown = await call('GET', `/api/v1/whatsapp/channels/${crypto.randomUUID()}/templates`, agent);
    expect(unknown.statusCode).toBe(404);
  });
});

describe('the contact panel', () => {
  it('shows the profile and its qualification progress', async () => {
    const response = await call('GET', `/api/v1/contacts/${contactId}`, agent);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: contactId,
      phoneE164: '+393339990001',
      displayName: 'Grace',
      firstName: null,
      profileCompletedAt: null,
      qualification: {
        required: ['firstName', 'lastName', 'company', 'email'],
        missing: ['firstName', 'lastName', 'company', 'email'],
      },
    });
  });

  it('edits like the agent does, completes and un-completes the profile, audits and announces it', async () => {
    const before = (await call('GET', `/api/v1/contacts/${contactId}`, agent)).json();
    const listener = await listenToInbox(database.appUrl);
    try {
      const edited = await call('PATCH', `/api/v1/contacts/${contactId}`, agent, {
        firstName: '  Grace   Brewster ',
        lastName: 'Hopper',
        company: 'Navy',
        email: 'Grace@EXAMPLE.com',
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json()).toMatchObject({
        firstName: 'Grace Brewster',
        email: 'grace@example.com',
        createdAt: before.createdAt,
        qualification: { missing: [] },
      });
      expect(edited.json().profileCompletedAt).toEqual(expect.any(String));
      await listener.waitFor((n) => n.event.type === 'contact.updated' && n.event.contactId === contactId);
      const completed = await database.ownerDb
        .selectFrom('domainEvents')
        .select('type')
        .where('subjectId', '=', contactId)
        .execute();
      expect(completed).toEqual([{ type: 'profile.completed' }]);

      const cleared = await call('PATCH', `/api/v1/contacts/${contactId}`, agent, { company: null });
      expect(cleared.json()).toMatchObject({
        company: null,
        profileCompletedAt: null,
        qualification: { missing: ['company'] },
      });
      const audit = await database.ownerDb
        .selectFrom('auditLog')
        .select(['action', 'detail'])
        .where('tenantId', '=', tenantId)
        .where('action', '=', 'contact.updated')
        .orderBy('id')
        .execute();
      expect(audit.map((entry) => entry.detail)).toEqual([
        {
          contactId,
          fields: ['firstName', 'lastName', 'company', 'email'],
          completedNow: true,
          uncompleted: false,
        },
        { contactId, fields: ['company'], completedNow: false, uncompleted: true },
      ]);
      expect(JSON.stringify(audit)).not.toContain('Hopper');
    } finally {
      await listener.close();
    }
  });

  it('refuses empty strings, bad e-mails, unknown fields and over-long values with 400, and changes nothing', async () => {
    const before = (await call('GET', `/api/v1/contacts/${contactId}`, agent)).json();
    for (const body of [
      { lastName: '' },
      { lastName: '   ' },
      { email: 'not an email' },
      { phoneE164: '+1' },
      { company: 'x'.repeat(201) },
      {},
    ]) {
      const response = await call('PATCH', `/api/v1/contacts/${contactId}`, agent, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call('GET', `/api/v1/contacts/${contactId}`, agent)).json()).toEqual(before);
    // The field at fault is named, so a form can show the message beside it.
    const badEmail = await call('PATCH', `/api/v1/contacts/${contactId}`, agent, { email: 'ada@@example' });
    expect(badEmail.json().error.details).toEqual([
      { path: 'body.email', message: 'is not a valid e-mail address' },
    ]);
  });

  it('lists the contact’s conversations, closed ones included', async () => {
    await call('PUT', `/api/v1/conversations/${conversationId}/status`, agent, { status: 'closed' });
    const response = await call('GET', `/api/v1/contacts/${contactId}/conversations`, agent);
    expect(response.statusCode).toBe(200);
    expect(
      response.json().items.map((item: { id: string; status: string }) => [item.id, item.status]),
    ).toEqual([[conversationId, 'closed']]);
    expect(
      (await call('GET', `/api/v1/contacts/${crypto.randomUUID()}/conversations`, agent)).statusCode,
    ).toBe(404);
  });
});
