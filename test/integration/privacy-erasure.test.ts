import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import { createEncryptedBlobStore } from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { sealText } from '../../src/platform/crypto/field-codec.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { runErasure } from '../../src/privacy/erasure.service.js';
import { searchPersonalData } from '../../src/privacy/personal-data-search.js';
import { contactDataRules, personalDataTables } from '../../src/privacy/registry.js';
import { applyRetention } from '../../src/privacy/retention.service.js';
import { isSuppressed } from '../../src/privacy/suppression.js';
import { buildTestApp } from '../support/app.js';
import { insertTestMessage } from '../support/inbox-fixtures.js';
import { type ConversationFixture, createConversation } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let blobDir: string;
let tenantA: string;
let tenantB: string;
let adminA: SignedInMember;
let agentA: SignedInMember;
let adminB: SignedInMember;
let mario: ConversationFixture;
let luigi: ConversationFixture;
const person = { email: 'mario.rossi@example.com', name: 'Mario Rossi' };

const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** A contact with a message naming them, a media file, a raw webhook, a receipt, a note, LLM usage, an event. */
async function seedPerson(fixture: ConversationFixture, who: { name: string; email: string }, media: Buffer) {
  const digits = fixture.phoneE164.slice(1);
  // Sealed at rest as the application stores media and message text (ADR 0036).
  const blobs = createEncryptedBlobStore(createFilesystemBlobStore(blobDir), database.db);
  const key = mediaBlobKey(fixture.tenantId, sha(media));
  await blobs.put(key, media);
  await withTenant(database.db, fixture.tenantId, async (trx) => {
    await trx
      .updateTable('contacts')
      .set({ email: who.email, displayName: who.name, firstName: who.name.split(' ')[0] ?? null })
      .where('id', '=', fixture.contactId)
      .execute();
    const messageId = await insertTestMessage(trx, {
      conversationId: fixture.conversationId,
      channelId: fixture.channelId,
      text: await sealText(trx, 'messages.text', `Hi, I am ${who.name}, write to ${who.email}`),
    });
    await insertTestMessage(trx, {
      conversationId: fixture.conversationId,
      channelId: fixture.channelId,
      type: 'image',
    }).then((imageId) =>
      trx
        .insertInto('messageMedia')
        .values({
          messageId: imageId,
          providerMediaId: `media-${digits}`,
          mimeType: 'image/png',
          sha256: sha(media),
          fileName: null,
          sizeBytes: String(media.length),
          blobKey: key,
          state: 'stored',
          failure: null,
        })
        .execute(),
    );
    await sql`insert into conversation_notes (conversation_id, text) values (${fixture.conversationId}, ${`${who.name} wants a call`})`.execute(
      trx,
    );
    await sql`insert into llm_calls (conversation_id, provider_kind, model, latency_ms, outcome)
              values (${fixture.conversationId}, 'openai', 'gpt', 10, 'ok')`.execute(trx);
    await sql`insert into domain_events (type, subject_id, payload)
              values ('contact.updated', ${fixture.contactId}, ${JSON.stringify({ email: who.email })})`.execute(
      trx,
    );
    const { rows } = await sql<{ id: string }>`
      insert into whatsapp_webhook_events (channel_id, request_id, body)
      values (${fixture.channelId}, 'req', convert_to(${JSON.stringify({ contacts: [{ wa_id: digits, profile: { name: who.name } }] })}, 'UTF8'))
      returning id`.execute(trx);
    await sql`insert into whatsapp_status_events (channel_id, provider_message_id, status, occurred_at, recipient_id, event_id)
              values (${fixture.channelId}, ${`wamid.${digits}`}, 'delivered', now(), ${digits}, ${rows[0]?.id})`.execute(
      trx,
    );
    await sql`insert into audit_log (tenant_id, action, detail)
              values (${fixture.tenantId}, 'contacts.edited', ${JSON.stringify({ email: who.email })})`.execute(
      trx,
    );
    return messageId;
  });
  return key;
}

beforeAll(async () => {
  database = await createTestDatabase();
  blobDir = mkdtempSync(path.join(tmpdir(), 'leadline-privacy-'));
  ({ app, config } = await buildTestApp({ database, env: { BLOB_DIR: blobDir } }));
  tenantA = await newTenant(database.db, 'A');
  tenantB = await newTenant(database.db, 'B');
  adminA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'admin' });
  agentA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  adminB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'admin' });
  mario = await createConversation(database.db, config, { tenantId: tenantA, accessToken: 't' });
  luigi = await createConversation(database.db, config, {
    tenantId: tenantA,
    accessToken: 't',
    channelId: mario.channelId,
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
  rmSync(blobDir, { recursive: true, force: true });
});

const api = (member: SignedInMember, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
  app.inject({
    method,
    url,
    headers: member.headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });

describe('the registry says how every table of a contact is erased', () => {
  it('has an erasure entry for every table that can hold a contact’s personal data', () => {
    const missing = Object.entries(personalDataTables)
      .filter(([, entry]) => entry.subjects.includes('contact'))
      .filter(([table]) => !(table in contactDataRules))
      .map(([table]) => table);
    expect(missing).toEqual([]);
  });
});

describe('erasing a contact', () => {
  let marioBlob: string;
  let luigiBlob: string;

  beforeAll(async () => {
    marioBlob = await seedPerson(mario, person, Buffer.from(`png of ${mario.phoneE164}`));
    luigiBlob = await seedPerson(
      luigi,
      { name: 'Luigi Verdi', email: 'luigi@example.com' },
      Buffer.from('luigi png'),
    );
  });

  it('exports everything stored about the contact as a ZIP of JSON and media', async () => {
    const response = await api(adminA, 'GET', `/api/v1/contacts/${mario.contactId}/export`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/zip');
    const entries = await unzip(response.rawPayload);
    expect([...entries.keys()]).toEqual(
      expect.arrayContaining([
        'contact.json',
        'messages.json',
        'notes.json',
        'llm-calls.json',
        'whatsapp-receipts.json',
      ]),
    );
    expect(entries.get('contact.json')?.toString()).toContain(person.email);
    expect(entries.get('messages.json')?.toString()).toContain(person.name);
    expect(entries.get('messages.json')?.toString()).not.toContain('Luigi');
    expect(entries.get('whatsapp-webhook-events.json')?.toString()).toContain(mario.phoneE164.slice(1));
    const media = [...entries.keys()].filter((name) => name.startsWith('media/'));
    expect(media).toEqual([`media/${marioBlob.split('/')[1]}`]);
    expect(entries.get(media[0] as string)?.toString()).toBe(`png of ${mario.phoneE164}`);
    expect(readFileSync(path.join(blobDir, ...marioBlob.split('/'))).toString()).not.toContain('png of');
    const audit = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('auditLog').select('detail').where('action', '=', 'privacy.contact_exported').execute(),
    );
    expect(audit).toHaveLength(1);
  });

  it('removes the person from every registered column and blob, keeps the others, and remembers a hash', async () => {
    const before = await searchPersonalData(
      database.ownerDb,
      { phone: mario.phoneE164 },
      { tenantId: tenantA },
    );
    expect(before.length).toBeGreaterThan(3);

    const requested = await api(adminA, 'POST', '/api/v1/privacy/erasures', {
      email: 'MARIO.Rossi@example.com',
    });
    expect(requested.statusCode).toBe(202);
    const erasureId = requested.json().id as string;
    expect(requested.json()).toMatchObject({ contactId: mario.contactId, status: 'queued' });
    // The queued job names the request only: no number or address would outlive the erasure in the queue.
    const { rows: jobs } = await sql<{ payload: unknown }>`
      select payload from graphile_worker._private_jobs`.execute(database.ownerDb);
    expect(JSON.stringify(jobs)).not.toContain(mario.phoneE164.slice(1));
    expect(JSON.stringify(jobs)).not.toContain(person.email);

    const outcome = await runErasure(
      (work) => withTenant(database.db, tenantA, work),
      { blobs: createFilesystemBlobStore(blobDir), secretKey: config.secretKey },
      erasureId,
    );
    expect(outcome.remaining).toEqual([]);
    expect(outcome.erasure).toMatchObject({ status: 'done', verifiedClean: true });

    // The check the brief asks for, as an operator would run it: every registered column, every workspace.
    expect(await searchPersonalData(database.ownerDb, { phone: mario.phoneE164 })).toEqual([]);
    expect(await searchPersonalData(database.ownerDb, { email: person.email })).toEqual([]);
    expect(await searchPersonalData(database.ownerDb, { name: person.name })).toEqual([]);
    // ... and every blob.
    const files = readdirSync(path.join(blobDir, tenantA));
    expect(files).not.toContain(marioBlob.split('/')[1]);
    expect(files).toContain(luigiBlob.split('/')[1]);

    // The other customer is untouched.
    expect(await searchPersonalData(database.ownerDb, { name: 'Luigi Verdi' })).not.toEqual([]);
    const progress = await api(adminA, 'GET', `/api/v1/privacy/erasures/${erasureId}`);
    expect(progress.json()).toMatchObject({ status: 'done', verifiedClean: true });
    expect(progress.json().progress['public.messages']).toBe(2);

    await withTenant(database.db, tenantA, async (trx) => {
      expect(await isSuppressed(trx, [config.secretKey], { phone: mario.phoneE164 })).toBe(true);
      expect(await isSuppressed(trx, [config.secretKey], { email: 'Mario.Rossi@Example.com' })).toBe(true);
      expect(await isSuppressed(trx, [config.secretKey], { phone: luigi.phoneE164 })).toBe(false);
      const actions = await trx.selectFrom('auditLog').select('action').execute();
      expect(actions.map((a) => a.action)).toEqual(
        expect.arrayContaining(['privacy.erasure_requested', 'privacy.erasure_completed']),
      );
    });
    await withTenant(database.db, tenantB, async (trx) => {
      expect(await isSuppressed(trx, [config.secretKey], { phone: mario.phoneE164 })).toBe(false);
    });
  });

  it('refuses bad requests with a 4xx and never crosses workspaces', async () => {
    for (const body of [
      {},
      { contactId: 'not-a-uuid' },
      { phone: 'call me' },
      { email: 'nope' },
      { contactId: luigi.contactId, phone: luigi.phoneE164 },
      { __proto__: { isAdmin: true } },
      { phone: '\u0000' },
      { email: 'a\u202e@example.com' },
    ]) {
      const response = await api(adminA, 'POST', '/api/v1/privacy/erasures', body);
      expect(response.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, JSON.stringify(body)).toBeLessThan(500);
    }
    expect(
      (await api(adminB, 'POST', '/api/v1/privacy/erasures', { contactId: luigi.contactId })).statusCode,
    ).toBe(404);
    expect((await api(adminB, 'GET', `/api/v1/contacts/${luigi.contactId}/export`)).statusCode).toBe(404);
    expect(
      (await api(agentA, 'POST', '/api/v1/privacy/erasures', { contactId: luigi.contactId })).statusCode,
    ).toBe(403);
    expect((await api(agentA, 'GET', `/api/v1/contacts/${luigi.contactId}/export`)).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/privacy/retention' })).statusCode).toBe(401);
    expect((await api(adminA, 'GET', '/api/v1/privacy/erasures/not-a-uuid')).statusCode).toBe(400);
    expect((await api(adminB, 'GET', `/api/v1/privacy/erasures/${luigi.contactId}`)).statusCode).toBe(404);
  });
});

describe('retention', () => {
  const policy = {
    days: {
      messages: 30,
      media: 7,
      webhookEvents: 1,
      callRecords: null,
      llmCalls: 10,
      closedConversations: null,
      auditPseudonymise: 5,
    },
    keepAcceptedQuotes: true,
  };

  it('stores a policy and refuses malformed ones', async () => {
    expect((await api(adminA, 'GET', '/api/v1/privacy/retention')).json()).toMatchObject({
      days: { webhookEvents: 30, messages: null },
    });
    for (const body of [
      { ...policy, days: { ...policy.days, messages: 0 } },
      { ...policy, days: { ...policy.days, messages: '30' } },
      { ...policy, days: { ...policy.days, extra: 1 } },
      { ...policy, keepAcceptedQuotes: 'false' },
      { days: policy.days },
    ]) {
      expect((await api(adminA, 'PUT', '/api/v1/privacy/retention', body)).statusCode).toBe(400);
    }
    expect((await api(agentA, 'PUT', '/api/v1/privacy/retention', policy)).statusCode).toBe(403);
    const saved = await api(adminA, 'PUT', '/api/v1/privacy/retention', policy);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual(policy);
    // Another workspace keeps its own (the defaults).
    expect((await api(adminB, 'GET', '/api/v1/privacy/retention')).json().days.messages).toBeNull();
  });

  it('removes what is past its policy in batches, deletes unreferenced blobs, and audits the counts', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const luigiBlobs = readdirSync(path.join(blobDir, tenantA));
    expect(luigiBlobs).toHaveLength(1);
    await withTenant(database.db, tenantA, async (trx) => {
      for (let i = 0; i < 5; i++) {
        await insertTestMessage(trx, {
          conversationId: luigi.conversationId,
          channelId: luigi.channelId,
          text: `old ${i}`,
        });
      }
      await sql`update messages set created_at = ${old} where text like 'old %'`.execute(trx);
      await sql`update message_media set created_at = ${old}`.execute(trx);
      await sql`update messages set created_at = ${old} where id in (select message_id from message_media)`.execute(
        trx,
      );
      await sql`update llm_calls set created_at = ${old}`.execute(trx);
      await sql`update whatsapp_webhook_events set received_at = ${old}`.execute(trx);
    });
    await sql`update audit_log set created_at = ${old}, ip = '10.0.0.1' where tenant_id = ${tenantA}`.execute(
      database.ownerDb,
    );
    const removed: Record<string, number> = {};
    const run = await applyRetention((work) => withTenant(database.db, tenantA, work), tenantA, {
      blobs: createFilesystemBlobStore(blobDir),
      batchSize: 2,
      onRemoved: (kind, n) => {
        removed[kind] = (removed[kind] ?? 0) + n;
      },
    });
    expect(run.removed).toMatchObject({ messages: 6, media: 1, blobs: 1, llmCalls: 1, webhookEvents: 1 });
    expect(removed).toEqual(run.removed);
    expect(readdirSync(path.join(blobDir, tenantA))).toEqual([]);
    await withTenant(database.db, tenantA, async (trx) => {
      const left = await trx.selectFrom('messages').select('text').execute();
      expect(left.map((m) => m.text)).toEqual([expect.stringContaining('Luigi Verdi')]);
      const audit = await trx.selectFrom('auditLog').select(['action', 'ip', 'detail']).execute();
      expect(audit.filter((a) => a.ip !== null && a.action !== 'privacy.retention_applied')).toEqual([]);
      expect(audit.find((a) => a.action === 'privacy.retention_applied')?.detail).toMatchObject({
        removed: run.removed,
      });
    });
    // A second run finds nothing more to do.
    const again = await applyRetention((work) => withTenant(database.db, tenantA, work), tenantA, {
      blobs: createFilesystemBlobStore(blobDir),
    });
    expect(again.removed).toEqual({});
  });
});

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.readEntry();
    });
  });
}
