import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertInboundMessage, listMessages } from '../../src/conversations/messages.repository.js';
import { insertNote, listNotes } from '../../src/conversations/notes.repository.js';
import { keyStatus, reencryptStep, rotateDataKey } from '../../src/encryption/data-keys.service.js';
import type { ReencryptCursor } from '../../src/encryption/reencryption.js';
import { type BlobStore, mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import { createEncryptedBlobStore } from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import { DataKeys, dataKeys } from '../../src/platform/crypto/data-keys.js';
import { openBytes, readHeader, sealBytes, textToEnvelope } from '../../src/platform/crypto/envelope.js';
import { loadKeysOutside, openedJson, openStored } from '../../src/platform/crypto/field-codec.js';
import { LocalMasterKeyRing } from '../../src/platform/crypto/master-key-ring.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { searchPersonalData, searchPersonalDataInTenant } from '../../src/privacy/personal-data-search.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { testConfig } from '../support/config.js';
import { createConversation } from '../support/outbound-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
const BODY = 'Hi, I am Giulia Bianchi, my budget is 4200 euros';

async function workspaceWithConversation() {
  const tenantId = (await createTenant(database.db, { name: 'Encrypted' })).id;
  const conversation = await createConversation(database.db, testConfig(), { tenantId, accessToken: 't' });
  return { ...conversation, tenantId };
}

async function storeInbound(
  workspace: Awaited<ReturnType<typeof workspaceWithConversation>>,
  text: string,
): Promise<string> {
  const stored = await withTenant(database.db, workspace.tenantId, (trx) =>
    insertInboundMessage(trx, {
      conversationId: workspace.conversationId,
      channelId: workspace.channelId,
      providerMessageId: `wamid.${randomBytes(8).toString('hex')}`,
      sentAt: new Date(),
      message: { type: 'text', author: 'customer', text, content: {}, media: null },
    }),
  );
  if (!stored) throw new Error('not stored');
  expect(stored.text).toBe(text);
  return stored.id;
}

async function rawText(table: 'messages' | 'conversation_notes', id: string): Promise<string> {
  const { rows } = await sql<{ text: string }>`select text from ${sql.table(table)} where id = ${id}`.execute(
    database.ownerDb,
  );
  return rows[0]?.text as string;
}

/** A blob store with nothing in it, for passes over workspaces without blobs. */
const noBlobs: BlobStore = createFilesystemBlobStore(path.join(tmpdir(), 'leadline-no-blobs'));

async function runPass(tenantId: string, now: Date, stored: BlobStore = noBlobs) {
  let cursor: ReencryptCursor = { column: 0, after: null };
  for (let batches = 0; batches < 100; batches += 1) {
    const step = await withTenant(database.db, tenantId, (trx) =>
      reencryptStep(trx, tenantId, cursor, stored, now),
    );
    if (step.kind !== 'next') return step;
    cursor = step.cursor;
  }
  throw new Error('the pass did not end');
}

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describe('the envelope', () => {
  const key = randomBytes(32);
  const tenantId = '0b7c4a52-8f7e-4a36-9f5e-2d1c3b4a5e6f';
  const sealed = () =>
    sealBytes(key, { tenantId, field: 'messages.text', keyVersion: 3 }, Buffer.from(BODY, 'utf8'));

  it('round-trips, carrying its format, field and key version', () => {
    const envelope = sealed();
    expect(readHeader(envelope)).toEqual({ field: 'messages.text', keyVersion: 3 });
    expect(openBytes(key, tenantId, envelope).toString('utf8')).toBe(BODY);
    expect(envelope.includes(Buffer.from('Giulia'))).toBe(false);
    // A fresh nonce each time: the same text never seals to the same bytes.
    expect(sealed().equals(envelope)).toBe(false);
  });

  it('refuses a flipped byte anywhere: nonce, tag or ciphertext', () => {
    for (const position of [9, 25, 40, sealed().length - 1]) {
      const envelope = sealed();
      envelope[position] = (envelope[position] as number) ^ 0x01;
      expect(() => openBytes(key, tenantId, envelope)).toThrow(/does not open/);
    }
  });

  it('refuses another field, another key version, another workspace and another key', () => {
    const asNote = sealed();
    asNote[4] = 2; // relabelled as a note: the field is authenticated
    expect(() => openBytes(key, tenantId, asNote)).toThrow(/does not open/);
    const otherVersion = sealed();
    otherVersion.writeUInt32BE(4, 5);
    expect(() => openBytes(key, tenantId, otherVersion)).toThrow(/does not open/);
    expect(() => openBytes(key, '7d9e1f20-3a4b-4c5d-8e6f-0a1b2c3d4e5f', sealed())).toThrow(/does not open/);
    expect(() => openBytes(randomBytes(32), tenantId, sealed())).toThrow(/does not open/);
  });

  it('keeps at most the configured number of workspaces in memory', async () => {
    const keys = new DataKeys(new LocalMasterKeyRing('a-secret-key-for-the-cache-test-0123456789'), {
      maxWorkspaces: 2,
    });
    for (let n = 0; n < 4; n += 1) {
      const workspace = (await createTenant(database.db, { name: `Cache ${n}` })).id;
      await withTenant(database.db, workspace, (trx) => keys.ensureCurrent(trx, workspace));
    }
    expect(keys.size).toBe(2);
  });
});

describe('encrypted columns', () => {
  it('stores no plaintext of a message body and reads it back in the workspace', async () => {
    const workspace = await workspaceWithConversation();
    const id = await storeInbound(workspace, BODY);
    const raw = await rawText('messages', id);
    expect(raw).not.toContain('Giulia');
    expect(raw.charCodeAt(0)).toBe(2);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from messages where tenant_id = ${workspace.tenantId} and text like '%Giulia%'`.execute(
      database.ownerDb,
    );
    expect(rows[0]?.n).toBe(0);
    const listed = await withTenant(database.db, workspace.tenantId, (trx) =>
      listMessages(trx, workspace.conversationId, { limit: 10 }),
    );
    expect(listed.map((message) => message.text)).toEqual([BODY]);
  });

  it('seals notes too, and a note still lists as written', async () => {
    const workspace = await workspaceWithConversation();
    const note = await withTenant(database.db, workspace.tenantId, (trx) =>
      insertNote(trx, { conversationId: workspace.conversationId, authorUserId: null, text: 'VIP: Giulia' }),
    );
    expect(note.text).toBe('VIP: Giulia');
    expect(await rawText('conversation_notes', note.id)).not.toContain('Giulia');
    const notes = await withTenant(database.db, workspace.tenantId, (trx) =>
      listNotes(trx, workspace.conversationId, { limit: 5 }),
    );
    expect(notes.map((entry) => entry.text)).toEqual(['VIP: Giulia']);
  });

  it('refuses a ciphertext moved to another workspace, or tampered in place', async () => {
    const first = await workspaceWithConversation();
    const second = await workspaceWithConversation();
    const sealedId = await storeInbound(first, BODY);
    const targetId = await storeInbound(second, 'hello');
    await sql`update messages set text = (select text from messages where id = ${sealedId})
      where id = ${targetId}`.execute(database.ownerDb);
    await expect(
      withTenant(database.db, second.tenantId, (trx) =>
        listMessages(trx, second.conversationId, { limit: 5 }),
      ),
    ).rejects.toThrow(/does not open|no data key/);

    const raw = await rawText('messages', sealedId);
    const envelope = textToEnvelope(raw);
    envelope[envelope.length - 1] = (envelope[envelope.length - 1] as number) ^ 0xff;
    await sql`update messages set text = ${`\u0002${envelope.toString('base64')}`} where id = ${sealedId}`.execute(
      database.ownerDb,
    );
    await expect(
      withTenant(database.db, first.tenantId, (trx) => listMessages(trx, first.conversationId, { limit: 5 })),
    ).rejects.toThrow(/does not open/);
  });

  it('finds a sealed message body in the erasure verification search', async () => {
    const workspace = await workspaceWithConversation();
    await storeInbound(workspace, 'please call Ottavio Zanetti tomorrow');
    const hits = await searchPersonalData(
      database.ownerDb,
      { name: 'Ottavio Zanetti' },
      { tenantId: workspace.tenantId },
    );
    expect(hits).toEqual(expect.arrayContaining([{ table: 'public.messages', column: 'text', rows: 1 }]));
  });
});

describe('rotation, re-encryption and retirement', () => {
  it('seals new writes with the new version, re-encrypts old and legacy values, then retires the old version', async () => {
    const workspace = await workspaceWithConversation();
    const before = await storeInbound(workspace, 'sealed under version 1');
    // A value written before encryption existed: plaintext in the column.
    const { rows: legacyRows } = await sql<{ id: string }>`
      insert into conversation_notes (tenant_id, conversation_id, text)
      values (${workspace.tenantId}, ${workspace.conversationId}, 'a legacy plaintext note') returning id`.execute(
      database.ownerDb,
    );
    const legacyId = legacyRows[0]?.id as string;

    const version = await rotateDataKey(database.db, workspace.tenantId, 'test-rotate');
    expect(version).toBe(2);
    const after = await storeInbound(workspace, 'sealed under version 2');
    const status = await keyStatus(database.db, workspace.tenantId, noBlobs);
    expect(status.current).toBe(2);
    expect(status.legacyValues).toBe(1);
    expect(status.versions.map((entry) => [entry.version, entry.values])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    // The rotation queued the re-encryption job for the workspace.
    const { rows: jobs } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs where task_identifier = 'encryption.reencrypt'
        and key = ${`encryption.reencrypt:${workspace.tenantId}`}`.execute(database.ownerDb);
    expect(jobs[0]?.n).toBe(1);

    // Right after the rotation another process may still seal with version 1: no retirement yet.
    const early = await runPass(workspace.tenantId, new Date());
    expect(early.kind).toBe('again');
    const { rows: versions } = await sql<{ version: number }>`
      select version from workspace_data_keys where tenant_id = ${workspace.tenantId} order by version`.execute(
      database.ownerDb,
    );
    expect(versions.map((row) => row.version)).toEqual([1, 2]);
    const rewritten = await keyStatus(database.db, workspace.tenantId, noBlobs);
    expect(rewritten.legacyValues).toBe(0);
    expect(rewritten.versions.map((entry) => [entry.version, entry.values])).toEqual([
      [1, 0],
      [2, 3],
    ]);

    const later = new Date(Date.now() + 3 * dataKeys().ttlMs);
    const final = await runPass(workspace.tenantId, later);
    expect(final).toMatchObject({ kind: 'retired', versions: [1] });
    const { rows: left } = await sql<{ version: number }>`
      select version from workspace_data_keys where tenant_id = ${workspace.tenantId}`.execute(
      database.ownerDb,
    );
    expect(left.map((row) => row.version)).toEqual([2]);

    // Every value still reads, and nothing is plaintext in the columns any more.
    const texts = await withTenant(database.db, workspace.tenantId, (trx) =>
      listMessages(trx, workspace.conversationId, { limit: 10 }),
    );
    expect(texts.map((message) => message.text).sort()).toEqual([
      'sealed under version 1',
      'sealed under version 2',
    ]);
    expect(texts.map((message) => message.id).sort()).toEqual([before, after].sort());
    expect(await rawText('conversation_notes', legacyId)).not.toContain('legacy');
    const notes = await withTenant(database.db, workspace.tenantId, (trx) =>
      listNotes(trx, workspace.conversationId, { limit: 5 }),
    );
    expect(notes.map((note) => note.text)).toEqual(['a legacy plaintext note']);
  });
});

describe('media blobs and rotation', () => {
  it('re-encrypts a blob sealed under version 1 before retiring it: the blob still opens', async () => {
    const workspace = await workspaceWithConversation();
    const messageId = await storeInbound(workspace, 'a photo of the kitchen');
    const dir = await mkdtemp(path.join(tmpdir(), 'leadline-rotation-blobs-'));
    try {
      const blobs = createEncryptedBlobStore(createFilesystemBlobStore(dir), database.db);
      const content = randomBytes(4_000);
      const key = mediaBlobKey(workspace.tenantId, createHash('sha256').update(content).digest('hex'));
      await blobs.put(key, content);
      await withTenant(database.db, workspace.tenantId, (trx) =>
        trx
          .insertInto('messageMedia')
          .values({
            messageId,
            providerMediaId: 'media-rotation',
            mimeType: 'image/jpeg',
            sha256: key.split('/')[1] as string,
            fileName: null,
            sizeBytes: String(content.length),
            blobKey: key,
            state: 'stored',
            failure: null,
          })
          .execute(),
      );
      await rotateDataKey(database.db, workspace.tenantId, 'test-rotate-blobs');
      const final = await runPass(
        workspace.tenantId,
        new Date(Date.now() + 3 * dataKeys().ttlMs),
        createFilesystemBlobStore(dir),
      );
      expect(final).toMatchObject({ kind: 'retired', versions: [1] });
      const { rows } = await sql<{ version: number }>`
        select version from workspace_data_keys where tenant_id = ${workspace.tenantId} order by version`.execute(
        database.ownerDb,
      );
      expect(rows.map((row) => row.version)).toEqual([2]);
      expect((await createFilesystemBlobStore(dir).get(key))?.readUInt32BE(5)).toBe(2);
      dataKeys().forget(workspace.tenantId);
      expect(await blobs.get(key)).toEqual(content);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the inbound receipts (jsonb)', () => {
  it('re-encrypts a legacy plaintext receipt, still reads it, and the erasure search finds the person in it', async () => {
    const workspace = await workspaceWithConversation();
    const message = {
      from: '393331234567',
      id: 'wamid.legacy',
      type: 'text',
      text: { body: 'I am Ornella Vanoni' },
    };
    await sql`
      with event as (
        insert into whatsapp_webhook_events (tenant_id, channel_id, request_id, body)
        values (${workspace.tenantId}, ${workspace.channelId}, 'req-legacy', '\\x7b7d'::bytea) returning id)
      insert into whatsapp_inbound (tenant_id, channel_id, provider_message_id, conversation_key, event_id, sent_at, message)
      select ${workspace.tenantId}, ${workspace.channelId}, 'wamid.legacy', '393331234567', id, now(),
             ${JSON.stringify(message)}::jsonb from event`.execute(database.ownerDb);
    const raw = async () =>
      (
        await sql<{ message: unknown; version: number | null }>`
          select message, data_key_version(message) as version from whatsapp_inbound
          where provider_message_id = 'wamid.legacy' and channel_id = ${workspace.channelId}`.execute(
          database.ownerDb,
        )
      ).rows[0];
    expect(await raw()).toEqual({ message, version: null });
    expect((await keyStatus(database.db, workspace.tenantId, noBlobs)).legacyValues).toBeGreaterThanOrEqual(
      1,
    );

    await runPass(workspace.tenantId, new Date());
    const sealed = await raw();
    expect(sealed?.version).toBe(1);
    expect(JSON.stringify(sealed?.message)).not.toContain('Ornella');
    expect((await keyStatus(database.db, workspace.tenantId, noBlobs)).legacyValues).toBe(0);

    const read = await withTenant(database.db, workspace.tenantId, (trx) =>
      trx
        .selectFrom('whatsappInbound')
        .select('message')
        .where('providerMessageId', '=', 'wamid.legacy')
        .executeTakeFirstOrThrow(),
    );
    expect(openedJson(read.message)).toEqual(message);
    for (const search of [
      () =>
        searchPersonalData(database.ownerDb, { name: 'Ornella Vanoni' }, { tenantId: workspace.tenantId }),
      () =>
        withTenant(database.db, workspace.tenantId, (trx) =>
          searchPersonalDataInTenant(trx, { name: 'Ornella Vanoni' }),
        ),
    ]) {
      expect(await search()).toEqual(
        expect.arrayContaining([{ table: 'public.whatsapp_inbound', column: 'message', rows: 1 }]),
      );
    }
  });
});

describe('deleting a workspace', () => {
  it('destroys its data keys: its ciphertext, as a backup kept it, can no longer be opened', async () => {
    const workspace = await workspaceWithConversation();
    const id = await storeInbound(workspace, BODY);
    const kept = await rawText('messages', id);
    const keys = await loadKeysOutside(database.ownerDb, workspace.tenantId);
    expect(openStored(keys, kept)).toBe(BODY);

    await sql`delete from tenants where id = ${workspace.tenantId}`.execute(database.ownerDb);
    dataKeys().forget(workspace.tenantId);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from workspace_data_keys where tenant_id = ${workspace.tenantId}`.execute(
      database.ownerDb,
    );
    expect(rows[0]?.n).toBe(0);
    const after = await loadKeysOutside(database.ownerDb, workspace.tenantId);
    expect(after.keys.size).toBe(0);
    expect(() => openStored(after, kept)).toThrow(/no data key/);
  });
});
