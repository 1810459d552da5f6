import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logging/logger.js';
import { ARCHIVE_SUFFIX, fileSha256, MANIFEST_SUFFIX } from './backup.js';
import { BackupError } from './backup-error.js';
import { listTables, STABLE_OUTPUT_SETTINGS } from './catalog.js';
import { type TManifest, ZManifestFile } from './manifest.js';
import { restoreBackup } from './restore.js';
import { digestTable } from './table-digest.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly backupName: string;
  readonly tables: number;
  readonly rows: number;
  /** Empty when ok; otherwise every difference found (or the one error that stopped verification). */
  readonly problems: readonly string[];
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Restores a backup into a scratch database beside the live one and compares every table with the
 * manifest taken at backup time: row counts and checksums of the rows themselves, so a restore that
 * "succeeds" with missing rows fails here. The outcome is recorded in `backup_verifications`, which the
 * application exports as metrics; the scratch database is always dropped.
 */
export async function verifyBackup(options: {
  archivePath: string;
  ownerUrl: string;
  key: Buffer;
  logger: Logger;
}): Promise<VerifyResult> {
  const backupName = path.basename(options.archivePath, ARCHIVE_SUFFIX);
  let result: VerifyResult;
  try {
    result = await verifyInScratch(options, backupName);
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    result = { ok: false, backupName, tables: 0, rows: 0, problems: [error.message] };
  }
  await recordVerification(options.ownerUrl, result);
  return result;
}

async function verifyInScratch(
  options: { archivePath: string; ownerUrl: string; key: Buffer; logger: Logger },
  backupName: string,
): Promise<VerifyResult> {
  const outer = await checkManifestFile(options.archivePath);
  const scratch = `leadline_verify_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.ownerUrl, application_name: 'leadline-verify' });
  await admin.connect();
  try {
    await admin.query(`create database ${scratch} template template0`);
    const scratchUrl = withDatabase(options.ownerUrl, scratch);
    const restored = await restoreBackup({
      archivePath: options.archivePath,
      ownerUrl: scratchUrl,
      key: options.key,
      logger: options.logger,
      migrateAfter: false,
    });
    const problems = await compareWithManifest(scratchUrl, restored.manifest);
    if (restored.manifest.blobs?.missing) {
      problems.push(
        `${restored.manifest.blobs.missing} media blobs were missing from the blob store at backup time`,
      );
    }
    if (outer && JSON.stringify(outer.tables) !== JSON.stringify(restored.manifest.tables)) {
      problems.push('the manifest file beside the archive differs from the manifest inside it');
    }
    return {
      ok: problems.length === 0,
      backupName,
      tables: restored.manifest.tables.length,
      rows: restored.rowsRestored,
      problems,
    };
  } finally {
    await admin.query(`drop database if exists ${scratch} with (force)`).catch((error: unknown) => {
      options.logger.error({ err: error, database: scratch }, 'could not drop the verification database');
    });
    await admin.end();
  }
}

/** The manifest file, when present, must describe this very archive (size and hash). */
async function checkManifestFile(archivePath: string) {
  const manifestPath = archivePath.replace(
    new RegExp(`${ARCHIVE_SUFFIX.replace('.', '\\.')}$`),
    MANIFEST_SUFFIX,
  );
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = ZManifestFile.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new BackupError('corrupted', 'the manifest file beside the archive is unreadable');
  const bytes = (await stat(archivePath)).size;
  if (bytes !== parsed.data.archive.bytes) {
    throw new BackupError(
      'truncated',
      `the archive has ${bytes} bytes; its manifest says ${parsed.data.archive.bytes}`,
    );
  }
  if ((await fileSha256(archivePath)) !== parsed.data.archive.sha256) {
    throw new BackupError('corrupted', 'the archive does not match the checksum in its manifest');
  }
  return parsed.data;
}

async function compareWithManifest(url: string, manifest: TManifest): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'leadline-verify' });
  await client.connect();
  const problems: string[] = [];
  try {
    await client.query('begin isolation level repeatable read read only');
    for (const setting of STABLE_OUTPUT_SETTINGS) await client.query(setting);
    const tables = new Map((await listTables(client)).map((t) => [t.name, t]));
    for (const expected of manifest.tables) {
      const table = tables.get(expected.name);
      if (!table) {
        problems.push(`${expected.name}: missing after restore`);
        continue;
      }
      tables.delete(expected.name);
      const actual = await digestTable(client, table);
      if (actual.rows !== expected.rows) {
        problems.push(`${expected.name}: ${actual.rows} rows restored, ${expected.rows} in the manifest`);
      } else if (actual.sha256 !== expected.sha256) {
        problems.push(`${expected.name}: checksum differs from the manifest`);
      }
    }
    for (const extra of tables.keys()) problems.push(`${extra}: not in the manifest`);
    await client.query('commit');
  } finally {
    await client.end();
  }
  return problems;
}

async function recordVerification(ownerUrl: string, result: VerifyResult): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'leadline-verify' });
  await client.connect();
  try {
    await client.query(
      'insert into backup_verifications (backup_name, ok, tables, rows, failure) values ($1, $2, $3, $4, $5)',
      [
        result.backupName,
        result.ok,
        result.tables,
        result.rows,
        result.ok ? null : result.problems.join('; ').slice(0, 2000),
      ],
    );
  } finally {
    await client.end();
  }
}
