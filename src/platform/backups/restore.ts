import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BlobStore } from '../blobs/blob-store.js';
import { isEnvelope } from '../crypto/envelope.js';
import { createDb, createPool } from '../db/database.js';
import { expectedMigrations, migrateUpTo } from '../db/migrator.js';
import { prepareDatabase } from '../db/prepare.js';
import { prepareWorkerSchema } from '../jobs/worker-schema.js';
import type { Logger } from '../logging/logger.js';
import { BackupError } from './backup-error.js';
import { countRelations, qualified, STABLE_OUTPUT_SETTINGS } from './catalog.js';
import { decryptStream } from './envelope.js';
import { type Frame, readFrames } from './frames.js';
import {
  type TArchiveHeader,
  type TManifest,
  ZArchiveHeader,
  ZBlobStart,
  ZManifest,
  ZSequenceValues,
  ZTableEnd,
} from './manifest.js';

export interface RestoreOptions {
  readonly archivePath: string;
  readonly ownerUrl: string;
  readonly key: Buffer;
  readonly logger: Logger;
  /** Replace whatever the target database holds (otherwise a non-empty target is refused). */
  readonly force?: boolean;
  /** After loading, apply the migrations newer than the backup (verification compares before them). */
  readonly migrateAfter: boolean;
  /** Where to put the archive's media blobs; without one they are only checked (verification). */
  readonly blobs?: BlobStore;
}

export interface RestoreResult {
  readonly header: TArchiveHeader;
  /** The manifest stored inside the archive (authenticated with it). */
  readonly manifest: TManifest;
  readonly rowsRestored: number;
  /** Media blobs found in the archive, each checked against its content-hash key. */
  readonly blobsRestored: number;
}

function parseJson<T>(frame: Frame, schema: { parse(value: unknown): T }): T {
  try {
    return schema.parse(JSON.parse(frame.payload.toString('utf8')));
  } catch (error) {
    throw new BackupError('corrupted', `the backup has an unreadable ${frame.type} frame`, { cause: error });
  }
}

/** Opens an archive and hands its frames to `consume`; any failure (key, tag, gzip, frames) rejects. */
export async function readArchive(
  archivePath: string,
  key: Buffer,
  consume: (frames: AsyncGenerator<Frame>) => Promise<void>,
): Promise<void> {
  let consumed: Promise<void> | undefined;
  try {
    await pipeline(
      createReadStream(archivePath),
      decryptStream(key),
      createGunzip(),
      (source: AsyncIterable<Buffer>) => {
        consumed = consume(readFrames(source));
        return consumed;
      },
    );
  } catch (caught) {
    let error = caught;
    // A consumer that stops reading early (a table that failed to load) makes the pipeline abort its
    // sources; the consumer's own outcome, which may still be settling, is what the caller must see.
    if (consumed && (caught as Error).name === 'AbortError') {
      try {
        await consumed;
        return;
      } catch (consumerError) {
        error = consumerError;
      }
    }
    if (error instanceof BackupError) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new BackupError('corrupted', 'the backup does not decompress', { cause: error });
    }
    throw error;
  }
}

/**
 * Restores an archive into an empty database (or, forced, one it first empties): the schema of the
 * backup's migrations, every row in one transaction (triggers and foreign-key checks off while loading,
 * as pg_restore does), sequences, then — unless verifying — the migrations newer than the backup.
 * Any error aborts the one transaction: a restore either loads every row or nothing.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  let result: RestoreResult | undefined;
  await readArchive(options.archivePath, options.key, async (frames) => {
    const first = await frames.next();
    if (first.done || first.value.type !== 'H')
      throw new BackupError('corrupted', 'the backup has no header');
    const header = parseJson(first.value, ZArchiveHeader);
    assertKnownMigrations(header.migrations);

    const client = new pg.Client({
      connectionString: options.ownerUrl,
      application_name: 'leadline-restore',
    });
    await client.connect();
    try {
      await prepareTarget(client, options);
      await buildSchema(options.ownerUrl, header, options.logger);
      const loaded = await loadRows(client, header, frames, options.blobs);
      result = { header, ...loaded };
    } finally {
      await client.end();
    }
  });
  if (!result) throw new BackupError('corrupted', 'the backup ended before its manifest');
  if (options.migrateAfter) await prepareDatabase(options.ownerUrl, options.logger);
  return result;
}

function assertKnownMigrations(backup: readonly string[]): void {
  const known = expectedMigrations();
  const prefix = known.slice(0, backup.length);
  if (backup.length > known.length || backup.some((name, i) => name !== prefix[i])) {
    throw new BackupError(
      'incompatible',
      'the backup was taken by a Leadline with migrations this version does not have: restore it with that version or newer',
    );
  }
}

async function prepareTarget(client: pg.Client, options: RestoreOptions): Promise<void> {
  const role = await client.query<{ super: boolean }>(
    'select rolsuper as super from pg_roles where rolname = current_user',
  );
  if (!role.rows[0]?.super) {
    // Loading rows past row-level security and foreign-key triggers needs what pg_restore needs.
    throw new BackupError(
      'not_permitted',
      'restoring needs a superuser connection (DATABASE_URL of an owner with SUPERUSER)',
    );
  }
  if ((await countRelations(client)) === 0) return;
  if (!options.force) {
    throw new BackupError(
      'not_empty',
      'the target database is not empty; restore into an empty one, or pass --force to replace it',
    );
  }
  options.logger.warn('restore --force: dropping the schemas public and graphile_worker of the target');
  await client.query('drop schema if exists graphile_worker cascade');
  await client.query('drop schema public cascade');
  await client.query('create schema public');
  await client.query('grant usage on schema public to public');
}

async function buildSchema(ownerUrl: string, header: TArchiveHeader, logger: Logger): Promise<void> {
  const pool = createPool({ connectionString: ownerUrl, max: 2, applicationName: 'leadline-restore' });
  const db = createDb(pool);
  try {
    const last = header.migrations.at(-1);
    if (last) await migrateUpTo(db, last);
    await prepareWorkerSchema(pool, db, logger);
    const { rows } = await pool.query<{ id: number | null }>(
      'select max(id)::int as id from graphile_worker.migrations',
    );
    if ((rows[0]?.id ?? null) !== header.workerMigration) {
      throw new BackupError(
        'incompatible',
        `the backup's job-queue schema (graphile-worker migration ${header.workerMigration}) differs from this version's (${rows[0]?.id})`,
      );
    }
  } finally {
    await db.destroy();
  }
}

/**
 * A blob's key ends with the SHA-256 of its content: checked before it is stored anywhere. A blob sealed at
 * rest (ADR 0036) is copied as it is: its key hashes the plaintext, and its GCM tag (bound to the key)
 * refuses a changed byte when it is read.
 */
async function storeBlob(key: string, bytes: number, content: Buffer, blobs: BlobStore | undefined) {
  const digest = createHash('sha256').update(content).digest('hex');
  if (content.length !== bytes || (!isEnvelope(content) && !key.endsWith(`/${digest}`))) {
    throw new BackupError('corrupted', `media blob ${key} does not match its content hash`);
  }
  await blobs?.put(key, content);
}

interface ActiveCopy {
  readonly table: string;
  readonly stream: ReturnType<typeof copyFrom>;
  error?: Error;
}

async function loadRows(
  client: pg.Client,
  header: TArchiveHeader,
  frames: AsyncGenerator<Frame>,
  blobs: BlobStore | undefined,
): Promise<{ manifest: TManifest; rowsRestored: number; blobsRestored: number }> {
  const tables = new Map(header.tables.map((t) => [t.name, t]));
  await client.query('begin');
  try {
    for (const setting of STABLE_OUTPUT_SETTINGS) await client.query(setting);
    // Triggers and foreign-key checks off while loading (superuser only); the rows were consistent
    // when read, in one snapshot.
    await client.query('set local session_replication_role = replica');
    if (tables.size > 0) await client.query(`truncate ${[...tables.keys()].map(qualified).join(', ')}`);

    let copy: ActiveCopy | undefined;
    let manifest: TManifest | undefined;
    let rowsRestored = 0;
    let blobsRestored = 0;
    let blob: { key: string; bytes: number; parts: Buffer[] } | undefined;
    const finishBlob = async () => {
      if (!blob) return;
      await storeBlob(blob.key, blob.bytes, Buffer.concat(blob.parts), blobs);
      blobsRestored++;
      blob = undefined;
    };
    const loaded = new Set<string>();
    for await (const frame of frames) {
      if (manifest) throw new BackupError('corrupted', 'the backup has data after its manifest');
      if (frame.type === 'F') {
        if (!blob) throw new BackupError('corrupted', 'the backup has blob content outside a blob');
        blob.parts.push(frame.payload);
        continue;
      }
      await finishBlob();
      if (frame.type === 'B') {
        if (copy) throw new BackupError('corrupted', 'the backup has a blob inside a table');
        const start = parseJson(frame, ZBlobStart);
        blob = { key: start.key, bytes: start.bytes, parts: [] };
        continue;
      }
      if (frame.type === 'T') {
        const { name } = parseJson(frame, { parse: (v) => v as { name: string } });
        const table = tables.get(name);
        if (!table || copy || loaded.has(name))
          throw new BackupError('corrupted', 'the backup has an unexpected table');
        const stream = client.query(
          copyFrom(
            `copy ${qualified(name)} (${table.columns.map((c) => pg.escapeIdentifier(c)).join(', ')}) from stdin`,
          ),
        );
        const current: ActiveCopy = { table: name, stream };
        stream.on('error', (error) => {
          current.error = error;
        });
        copy = current;
      } else if (frame.type === 'D') {
        if (!copy) throw new BackupError('corrupted', 'the backup has rows outside a table');
        if (copy.error) break;
        if (!copy.stream.write(frame.payload))
          await Promise.race([once(copy.stream, 'drain'), once(copy.stream, 'error')]);
      } else if (frame.type === 'E') {
        if (!copy) throw new BackupError('corrupted', 'the backup ends a table it did not start');
        const expected = parseJson(frame, ZTableEnd);
        copy.stream.end();
        await finished(copy.stream).catch((error: Error) => {
          copy!.error = error;
        });
        if (copy.error) {
          throw new BackupError('restore_failed', `restoring ${copy.table} failed: ${copy.error.message}`, {
            cause: copy.error,
          });
        }
        if (copy.stream.rowCount !== expected.rows) {
          throw new BackupError(
            'restore_failed',
            `restoring ${copy.table} loaded ${copy.stream.rowCount} rows; the backup holds ${expected.rows}`,
          );
        }
        rowsRestored += expected.rows;
        loaded.add(copy.table);
        copy = undefined;
      } else if (frame.type === 'S') {
        if (copy) throw new BackupError('corrupted', 'the backup has sequences inside a table');
        for (const sequence of parseJson(frame, ZSequenceValues)) {
          await client.query('select setval($1::regclass, $2::bigint, $3)', [
            qualified(sequence.name),
            sequence.lastValue,
            sequence.isCalled,
          ]);
        }
      } else if (frame.type === 'M') {
        manifest = parseJson(frame, ZManifest);
      } else {
        throw new BackupError('corrupted', 'the backup has a second header');
      }
    }
    if (copy?.error) {
      throw new BackupError('restore_failed', `restoring ${copy.table} failed: ${copy.error.message}`, {
        cause: copy.error,
      });
    }
    if (!manifest || copy) throw new BackupError('truncated', 'the backup ended before its manifest');
    if (manifest.blobs && manifest.blobs.count !== blobsRestored) {
      throw new BackupError(
        'restore_failed',
        `the backup holds ${blobsRestored} media blobs; its manifest says ${manifest.blobs.count}`,
      );
    }
    const missing = [...tables.keys()].filter((name) => !loaded.has(name));
    if (missing.length > 0)
      throw new BackupError('corrupted', `the backup lacks the rows of ${missing.join(', ')}`);
    await client.query('commit');
    return { manifest, rowsRestored, blobsRestored };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}
