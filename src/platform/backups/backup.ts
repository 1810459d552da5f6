import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import type { BlobStore } from '../blobs/blob-store.js';
import { VERSION } from '../version.js';
import { listTables, readSequences, STABLE_OUTPUT_SETTINGS } from './catalog.js';
import { encryptStream } from './envelope.js';
import { FrameWriter } from './frames.js';
import type { TArchiveHeader, TManifest, TManifestFile } from './manifest.js';
import { digestTable } from './table-digest.js';

export const ARCHIVE_SUFFIX = '.llbk';
export const MANIFEST_SUFFIX = '.manifest.json';
const DATA_FRAME_BYTES = 256 * 1024;
const BLOB_FRAME_BYTES = 1024 * 1024;

export interface BackupResult {
  readonly archivePath: string;
  readonly manifestPath: string;
  readonly manifest: TManifestFile;
}

export function backupName(at: Date): string {
  return `leadline-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * Writes one consistent snapshot of the whole database (our schema and graphile-worker's) as a gzip
 * stream inside the encrypted envelope, then its manifest. The archive is written under a temporary
 * name and renamed when complete, so a crashed backup never looks like a finished one.
 */
export async function createBackup(options: {
  ownerUrl: string;
  directory: string;
  key: Buffer;
  /** Media blobs (filesystem or S3) to include: every blob a stored media row of the snapshot names. */
  blobs?: BlobStore;
  now?: Date;
}): Promise<BackupResult> {
  const createdAt = options.now ?? new Date();
  const name = backupName(createdAt);
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  const archivePath = path.join(options.directory, `${name}${ARCHIVE_SUFFIX}`);
  const partialPath = `${archivePath}.partial`;
  const manifestPath = path.join(options.directory, `${name}${MANIFEST_SUFFIX}`);

  const client = new pg.Client({ connectionString: options.ownerUrl, application_name: 'leadline-backup' });
  await client.connect();
  const plain = new PassThrough();
  const written = pipeline(
    plain,
    createGzip({ level: 6 }),
    encryptStream(options.key),
    createWriteStream(partialPath, { mode: 0o600 }),
  );
  try {
    // One snapshot for every table: rows that reference each other are backed up consistently.
    await client.query('begin isolation level repeatable read read only');
    for (const setting of STABLE_OUTPUT_SETTINGS) await client.query(setting);
    const serverVersion = (await client.query<{ v: string }>('show server_version')).rows[0]?.v ?? 'unknown';
    const migrations = (
      await client.query<{ name: string }>('select name from kysely_migration order by name')
    ).rows.map((r) => r.name);
    const workerMigration =
      (await client.query<{ id: number | null }>('select max(id)::int as id from graphile_worker.migrations'))
        .rows[0]?.id ?? null;
    const tables = await listTables(client);

    const frames = new FrameWriter(plain);
    const header: TArchiveHeader = {
      format: 1,
      name,
      createdAt: createdAt.toISOString(),
      migrations,
      workerMigration,
      tables: tables.map((t) => ({ name: t.name, columns: [...t.columns], orderBy: [...t.orderBy] })),
    };
    await frames.json('H', header);

    const digests: TManifest['tables'] = [];
    for (const table of tables) {
      await frames.json('T', { name: table.name });
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async () => {
        if (batchBytes === 0) return;
        await frames.write('D', Buffer.concat(batch));
        batch = [];
        batchBytes = 0;
      };
      const digest = await digestTable(client, table, async (chunk) => {
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= DATA_FRAME_BYTES) await flush();
      });
      await flush();
      await frames.json('E', digest);
      digests.push({ name: table.name, ...digest });
    }
    const blobs = options.blobs ? await writeBlobs(client, options.blobs, frames) : undefined;
    await frames.json('S', await readSequences(client));
    const manifest: TManifest = {
      format: 1,
      name,
      createdAt: createdAt.toISOString(),
      leadlineVersion: VERSION,
      serverVersion,
      migrations,
      workerMigration,
      tables: digests,
      totalRows: digests.reduce((sum, t) => sum + t.rows, 0),
      ...(blobs ? { blobs } : {}),
    };
    await frames.json('M', manifest);
    await client.query('commit');
    plain.end();
    await written;

    await rename(partialPath, archivePath);
    const manifestFile: TManifestFile = {
      ...manifest,
      archive: {
        file: path.basename(archivePath),
        bytes: (await stat(archivePath)).size,
        sha256: await fileSha256(archivePath),
      },
    };
    await writeFile(manifestPath, `${JSON.stringify(manifestFile, null, 2)}\n`, { mode: 0o600 });
    return { archivePath, manifestPath, manifest: manifestFile };
  } catch (error) {
    plain.destroy(error as Error);
    await written.catch(() => {});
    await rm(partialPath, { force: true });
    throw error;
  } finally {
    await client.end();
  }
}

/** Content-addressed blobs: a missing one is counted (the live store lost it), never silently skipped. */
async function writeBlobs(client: pg.Client, store: BlobStore, frames: FrameWriter) {
  const { rows } = await client.query<{ key: string }>(
    `select blob_key as key from public.message_media where blob_key is not null and state = 'stored'
     union select blob_key from public.conversation_attachments order by 1`,
  );
  const totals = { count: 0, bytes: 0, missing: 0 };
  for (const { key } of rows) {
    const content = await store.get(key);
    if (!content) {
      totals.missing++;
      continue;
    }
    await frames.json('B', { key, bytes: content.length });
    for (let at = 0; at < content.length; at += BLOB_FRAME_BYTES) {
      await frames.write('F', content.subarray(at, at + BLOB_FRAME_BYTES));
    }
    totals.count++;
    totals.bytes += content.length;
  }
  return totals;
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
