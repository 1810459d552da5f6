import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import { createBackup } from '../../src/platform/backups/backup.js';
import { listTables, STABLE_OUTPUT_SETTINGS } from '../../src/platform/backups/catalog.js';
import { encryptStream } from '../../src/platform/backups/envelope.js';
import { type Frame, FrameWriter } from '../../src/platform/backups/frames.js';
import { readArchive, restoreBackup } from '../../src/platform/backups/restore.js';
import { digestTable } from '../../src/platform/backups/table-digest.js';
import { verifyBackup } from '../../src/platform/backups/verify.js';
import { mediaBlobKey } from '../../src/platform/blobs/blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { registerDatabaseGauges } from '../../src/platform/metrics/database-gauges.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { testConfig } from '../support/config.js';
import { insertMediaMessage } from '../support/inbox-fixtures.js';
import { captureLogger } from '../support/log-capture.js';
import { createConversation } from '../support/outbound-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logger = captureLogger().logger;
const key = randomBytes(32);
let database: TestDatabase;
let directory: string;
let archivePath: string;
let snapshot: Map<string, string>;
let blobKey: string;
const media = Buffer.from('%PDF-1.7 a quote the customer sent, with bytes \u0000\u00ff of any kind');

/** Every table's row count and checksum, computed the way verification computes them. */
async function snapshotOf(url: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    for (const setting of STABLE_OUTPUT_SETTINGS) await client.query(setting);
    const result = new Map<string, string>();
    for (const table of await listTables(client)) {
      const digest = await digestTable(client, table);
      result.set(table.name, `${digest.rows}:${digest.sha256}`);
    }
    await client.query('commit');
    return result;
  } finally {
    await client.end();
  }
}

async function tamperedCopy(name: string, change: (file: string) => Promise<void>): Promise<string> {
  // A copy without the manifest file beside it: the envelope itself must catch the damage.
  const dir = await mkdtemp(path.join(tmpdir(), 'leadline-tampered-'));
  const file = path.join(dir, name);
  await copyFile(archivePath, file);
  await change(file);
  return file;
}

/**
 * A correctly encrypted archive whose frames were changed by `edit`: what a buggy backup (or a key
 * holder's tampering) would produce. Verification must catch it from the data, not from the envelope.
 */
async function forgedCopy(edit: (frame: Frame) => Frame | undefined): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'leadline-forged-'));
  const file = path.join(dir, path.basename(archivePath));
  const plain = new PassThrough();
  const written = pipeline(plain, createGzip(), encryptStream(key), createWriteStream(file));
  const writer = new FrameWriter(plain);
  await readArchive(archivePath, key, async (frames) => {
    for await (const frame of frames) {
      const changed = edit(frame);
      if (changed) await writer.write(changed.type, changed.payload);
    }
  });
  plain.end();
  await written;
  return file;
}

function json(frame: Frame): Record<string, unknown> {
  return JSON.parse(frame.payload.toString('utf8'));
}

beforeAll(async () => {
  database = await createTestDatabase();
  directory = await mkdtemp(path.join(tmpdir(), 'leadline-backups-'));
  const tenant = await createTenant(database.db, { name: 'Backup Co' });
  await withTenant(database.db, tenant.id, async (trx) => {
    for (let i = 0; i < 30; i++) {
      await upsertContact(trx, {
        phoneE164: `+39333100${String(i).padStart(4, '0')}`,
        displayName: `Contact ${i}`,
      });
    }
    // Values COPY must escape: newlines, tabs, backslashes, quotes, non-ASCII.
    await upsertContact(trx, {
      phoneE164: '+393339999999',
      displayName: 'Tab\there\\ "quoted"\nline two ünïcödé',
    });
  });
  // Enough incompressible rows for the archive to span several encrypted records.
  await sql`
    insert into contacts (tenant_id, phone_e164, display_name)
    select ${tenant.id}, '+3934' || lpad(i::text, 8, '0'), md5(random()::text) || md5(random()::text)
    from generate_series(1, 3000) i`.execute(database.ownerDb);
  await sql`select graphile_worker.add_job('backup.probe', '{"hello":"world"}'::json)`.execute(
    database.ownerDb,
  );
  await sql`insert into worker_heartbeats (worker_id, hostname, pid, last_seen_at) values ('w1', 'h', 1, now())`.execute(
    database.ownerDb,
  );
  // One stored media blob, as the download task leaves it.
  const blobDir = await mkdtemp(path.join(tmpdir(), 'leadline-blobs-'));
  const conversation = await createConversation(database.db, testConfig(), {
    tenantId: tenant.id,
    accessToken: 't',
  });
  blobKey = mediaBlobKey(tenant.id, createHash('sha256').update(media).digest('hex'));
  await createFilesystemBlobStore(blobDir).put(blobKey, media);
  await withTenant(database.db, tenant.id, (trx) =>
    insertMediaMessage(
      trx,
      { conversationId: conversation.conversationId, channelId: conversation.channelId, type: 'document' },
      {
        providerMediaId: 'media-1',
        mimeType: 'application/pdf',
        sha256: null,
        fileName: 'quote.pdf',
        sizeBytes: String(media.length),
        blobKey,
        state: 'stored',
        failure: null,
      },
    ),
  );
  const result = await createBackup({
    ownerUrl: database.ownerUrl,
    directory,
    key,
    blobs: createFilesystemBlobStore(blobDir),
  });
  archivePath = result.archivePath;
  snapshot = await snapshotOf(database.ownerUrl);
});

afterAll(async () => {
  await database.drop();
  await rm(directory, { recursive: true, force: true });
});

describe('leadline backup', () => {
  it('writes an archive and a manifest with every table, its row count and checksum', async () => {
    const manifest = JSON.parse(await readFile(archivePath.replace(/\.llbk$/, '.manifest.json'), 'utf8'));
    const contacts = manifest.tables.find((t: { name: string }) => t.name === 'public.contacts');
    expect(contacts.rows).toBe(3032);
    expect(manifest.blobs).toEqual({ count: 1, bytes: media.length, missing: 0 });
    expect(manifest.tables.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['public.tenants', 'graphile_worker._private_jobs', 'public.kysely_migration']),
    );
    expect(manifest.migrations).toContain('20261206_1600_backup_verifications');
    expect([...snapshot.keys()].sort()).toEqual(manifest.tables.map((t: { name: string }) => t.name).sort());
    // Encrypted: no contact name in the clear.
    expect((await readFile(archivePath)).includes(Buffer.from('Contact 1'))).toBe(false);
  });

  it('verify restores into a scratch database, finds every table identical and records the success', async () => {
    const result = await verifyBackup({ archivePath, ownerUrl: database.ownerUrl, key, logger });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rows).toBeGreaterThan(3032);
    const { rows } = await sql<{ ok: boolean; backupName: string }>`
      select ok, backup_name from backup_verifications order by id desc limit 1`.execute(database.ownerDb);
    expect(rows[0]).toEqual({ ok: true, backupName: path.basename(archivePath, '.llbk') });
  });
});

describe('leadline restore', () => {
  it('restores into an empty database exactly what was backed up, then migrates', async () => {
    const target = await createTestDatabase({ migrated: false });
    const blobs = createFilesystemBlobStore(await mkdtemp(path.join(tmpdir(), 'leadline-restored-blobs-')));
    try {
      const result = await restoreBackup({
        archivePath,
        ownerUrl: target.ownerUrl,
        key,
        logger,
        migrateAfter: true,
        blobs,
      });
      expect(result.rowsRestored).toBe(result.manifest.totalRows);
      expect(result.blobsRestored).toBe(1);
      expect(await blobs.get(blobKey)).toEqual(media);
      expect(await snapshotOf(target.ownerUrl)).toEqual(snapshot);
      // The application role reads the restored rows through its tenant policies.
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from contacts`.execute(
        target.ownerDb,
      );
      expect(rows[0]?.n).toBe(3032);
    } finally {
      await target.drop();
    }
  });

  it('refuses a database that is not empty, and with --force replaces its changed data by the backup', async () => {
    const target = await createTestDatabase({ migrated: false });
    try {
      await restoreBackup({ archivePath, ownerUrl: target.ownerUrl, key, logger, migrateAfter: true });
      await sql`delete from contacts where display_name = 'Contact 3'`.execute(target.ownerDb);
      await sql`update contacts set display_name = 'changed' where display_name = 'Contact 4'`.execute(
        target.ownerDb,
      );
      expect(await snapshotOf(target.ownerUrl)).not.toEqual(snapshot);

      await expect(
        restoreBackup({ archivePath, ownerUrl: target.ownerUrl, key, logger, migrateAfter: true }),
      ).rejects.toMatchObject({ failure: 'not_empty' });

      await restoreBackup({
        archivePath,
        ownerUrl: target.ownerUrl,
        key,
        logger,
        migrateAfter: true,
        force: true,
      });
      expect(await snapshotOf(target.ownerUrl)).toEqual(snapshot);
    } finally {
      await target.drop();
    }
  });
});

describe('leadline backup verify fails', () => {
  const name = 'leadline-20260101T000000Z.llbk';

  it('on a truncated archive', async () => {
    const file = await tamperedCopy(name, async (f) => {
      const size = (await readFile(f)).length;
      await truncate(f, Math.floor(size / 2));
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/truncated/);
  });

  it('on an archive cut exactly at a record boundary (its last record missing)', async () => {
    const file = await tamperedCopy(name, async (f) => {
      const bytes = await readFile(f);
      // Header (56 bytes) plus the first whole record: a prefix that is valid as far as it goes.
      const first = 56 + 4 + bytes.readUInt32BE(56) + 16;
      expect(first).toBeLessThan(bytes.length);
      await writeFile(f, bytes.subarray(0, first));
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/truncated/);
  });

  it('on a corrupted archive', async () => {
    const file = await tamperedCopy(name, async (f) => {
      const bytes = await readFile(f);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x40;
      await writeFile(f, bytes);
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/failed authentication|corrupted/);
  });

  it('with the wrong key, and records the failure', async () => {
    const result = await verifyBackup({
      archivePath,
      ownerUrl: database.ownerUrl,
      key: randomBytes(32),
      logger,
    });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/another key/);
    const { rows } = await sql<{ ok: boolean; failure: string }>`
      select ok, failure from backup_verifications order by id desc limit 1`.execute(database.ownerDb);
    expect(rows[0]?.ok).toBe(false);
    expect(rows[0]?.failure).toMatch(/another key/);
  });

  it('when the archive does not match the manifest file beside it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'leadline-swapped-'));
    const copy = path.join(dir, path.basename(archivePath));
    await copyFile(archivePath, copy);
    const manifest = JSON.parse(await readFile(archivePath.replace(/\.llbk$/, '.manifest.json'), 'utf8'));
    manifest.tables[0].rows += 1;
    await writeFile(copy.replace(/\.llbk$/, '.manifest.json'), JSON.stringify(manifest));
    const result = await verifyBackup({ archivePath: copy, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems).toContain(
      'the manifest file beside the archive differs from the manifest inside it',
    );
  });
  it('when the restore reports an error (a row the database refuses)', async () => {
    let table = '';
    const file = await forgedCopy((frame) => {
      if (frame.type === 'T') table = String(json(frame).name);
      if (frame.type === 'D' && table === 'public.contacts') {
        return { type: 'D', payload: Buffer.concat([frame.payload, Buffer.from('not\ta\tvalid\trow\n')]) };
      }
      return frame;
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/restoring public.contacts failed/);
  });

  it('when a table restores fewer rows than the backup says it holds', async () => {
    let table = '';
    let dropped = false;
    const file = await forgedCopy((frame) => {
      if (frame.type === 'T') table = String(json(frame).name);
      if (frame.type === 'D' && table === 'public.contacts' && !dropped) {
        // Drop the table's first row (its first frame starts at a row): the rest stay valid, the count not.
        dropped = true;
        return { type: 'D', payload: frame.payload.subarray(frame.payload.indexOf(10) + 1) };
      }
      return frame;
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/public.contacts loaded 3031 rows; the backup holds 3032/);
  });

  it('when a restored table differs from the checksum in the manifest', async () => {
    const file = await forgedCopy((frame) => {
      if (frame.type !== 'M') return frame;
      const manifest = json(frame) as { tables: { name: string; sha256: string }[] };
      for (const t of manifest.tables) if (t.name === 'public.tenants') t.sha256 = '0'.repeat(64);
      return { type: 'M', payload: Buffer.from(JSON.stringify(manifest)) };
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['public.tenants: checksum differs from the manifest']);
  });

  it('when a media blob in the archive does not match its content hash', async () => {
    const file = await forgedCopy((frame) =>
      frame.type === 'F' ? { type: 'F', payload: Buffer.from(frame.payload).fill(0x41, 0, 4) } : frame,
    );
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/media blob .* does not match its content hash/);
  });

  it('when a media blob is missing from the archive', async () => {
    let inBlob = false;
    const file = await forgedCopy((frame) => {
      if (frame.type === 'B') inBlob = true;
      else if (frame.type !== 'F') inBlob = false;
      return inBlob ? undefined : frame;
    });
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/holds 0 media blobs; its manifest says 1/);
  });

  it('when the archive stops before its manifest, though every record is authentic', async () => {
    const file = await forgedCopy((frame) => (frame.type === 'M' ? undefined : frame));
    const result = await verifyBackup({ archivePath: file, ownerUrl: database.ownerUrl, key, logger });
    expect(result.ok).toBe(false);
    expect(result.problems.join()).toMatch(/ended before its manifest/);
  });
});

describe('the gauges the application reads from the database', () => {
  async function gauge(registry: Registry, name: string): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    return Number(metric?.values[0]?.value);
  }

  it('report the last verified backup, a failed newest verification and queue lag', async () => {
    const registry = new Registry();
    // The application role: the gauges must work within its grants.
    registerDatabaseGauges(registry, database.db);
    const { rows } = await sql<{ at: number }>`
      select extract(epoch from max(verified_at))::float8 as at from backup_verifications where ok`.execute(
      database.ownerDb,
    );
    expect(await gauge(registry, 'leadline_backup_last_verified_timestamp_seconds')).toBeCloseTo(
      rows[0]?.at ?? -1,
      3,
    );
    // The tests above end with failed verifications.
    expect(await gauge(registry, 'leadline_backup_last_verify_failed')).toBe(1);
    // The probe job added before the backup is due and nobody runs it here.
    expect(await gauge(registry, 'leadline_jobs_queue_lag_seconds')).toBeGreaterThan(0);
    // A job whose attempts are used up is not lagging: it waits for the dead-letter sweep.
    await sql`update graphile_worker._private_jobs set attempts = max_attempts`.execute(database.ownerDb);
    expect(await gauge(registry, 'leadline_jobs_queue_lag_seconds')).toBe(0);
  });
});

describe('table checksums', () => {
  it('do not depend on physical row order, also for a table without a primary key (json has no ordering)', async () => {
    const digests: string[] = [];
    for (const order of [
      [1, 2, 3],
      [3, 1, 2],
    ]) {
      const scratch = await createTestDatabase({ migrated: false });
      const client = new pg.Client({ connectionString: scratch.ownerUrl });
      await client.connect();
      try {
        await client.query('create table no_key (doc json, n int)');
        for (const n of order)
          await client.query('insert into no_key values ($1, $2)', [JSON.stringify({ n }), n]);
        await client.query('begin');
        for (const setting of STABLE_OUTPUT_SETTINGS) await client.query(setting);
        const [table] = await listTables(client);
        expect(table).toMatchObject({ name: 'public.no_key', columns: ['doc', 'n'], orderBy: [] });
        const digest = await digestTable(client, table as NonNullable<typeof table>);
        expect(digest.rows).toBe(3);
        digests.push(digest.sha256);
        await client.query('commit');
      } finally {
        await client.end();
        await scratch.drop();
      }
    }
    expect(digests[0]).toBe(digests[1]);
  });
});
