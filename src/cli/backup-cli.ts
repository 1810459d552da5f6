import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { ARCHIVE_SUFFIX, createBackup } from '../platform/backups/backup.js';
import { pruneBackups } from '../platform/backups/prune.js';
import { restoreBackup } from '../platform/backups/restore.js';
import { verifyBackup } from '../platform/backups/verify.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import { configuredBlobStore } from '../platform/blobs/configured-blob-store.js';
import type { Config } from '../platform/config/config.js';
import { backupKeyBytes } from '../platform/config/schema.js';
import { configuredOutboundClient } from '../platform/http/outbound/outbound-client.js';
import type { Logger } from '../platform/logging/logger.js';

export type WithOwnerUrl = <T>(
  work: (context: { config: Config; logger: Logger; ownerUrl: string }) => Promise<T>,
) => Promise<T>;

function keyOf(config: Config): Buffer {
  if (!config.backups.key) throw new Error('BACKUP_KEY (or BACKUP_KEY_FILE) is not set');
  return backupKeyBytes(config.backups.key);
}

/** The configured media store (BLOB_DIR or the S3 bucket), for as long as `work` runs. */
export async function withBlobStore<T>(config: Config, work: (blobs: BlobStore) => Promise<T>): Promise<T> {
  const http = configuredOutboundClient(config);
  try {
    return await work(configuredBlobStore(config, http));
  } finally {
    await http.close();
  }
}

/** The newest archive in the backup directory (names sort by time). */
async function newestArchive(directory: string): Promise<string> {
  const names = (await readdir(directory).catch(() => [] as string[]))
    .filter((n) => n.endsWith(ARCHIVE_SUFFIX))
    .sort();
  const newest = names.at(-1);
  if (!newest) throw new Error(`no backup in ${directory}`);
  return path.join(directory, newest);
}

function nonNegative(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a whole number');
  return parsed;
}

export function registerBackupCommands(program: Command, withOwnerUrl: WithOwnerUrl): void {
  const backup = program.command('backup').description('encrypted backups of the whole database');
  backup
    .command('create', { isDefault: true })
    .description('write an encrypted backup and its manifest to BACKUP_DIR (the default subcommand)')
    .option('--dir <directory>', 'write here instead of BACKUP_DIR')
    .action(async (options: { dir?: string }) => {
      await withOwnerUrl(async ({ config, ownerUrl }) => {
        const result = await withBlobStore(config, (blobs) =>
          createBackup({
            ownerUrl,
            directory: options.dir ? path.resolve(options.dir) : config.backups.directory,
            key: keyOf(config),
            blobs,
          }),
        );
        process.stdout.write(
          `wrote ${result.archivePath}\n  ${result.manifest.tables.length} tables, ${result.manifest.totalRows} rows, ` +
            `${result.manifest.blobs?.count ?? 0} media blobs, ${result.manifest.archive.bytes} bytes; manifest ${result.manifestPath}\n`,
        );
      });
    });
  backup
    .command('verify')
    .description(
      'restore a backup into a scratch database and compare it with its manifest; exits 1 on any difference',
    )
    .argument('[archive]', 'the .llbk file (default: the newest in BACKUP_DIR)')
    .action(async (archive: string | undefined) => {
      await withOwnerUrl(async ({ config, logger, ownerUrl }) => {
        const archivePath = archive ? path.resolve(archive) : await newestArchive(config.backups.directory);
        const result = await verifyBackup({ archivePath, ownerUrl, key: keyOf(config), logger });
        if (result.ok) {
          process.stdout.write(
            `verified ${archivePath}: ${result.tables} tables, ${result.rows} rows identical\n`,
          );
          return;
        }
        process.stdout.write(`FAILED ${archivePath}\n${result.problems.map((p) => `  ${p}\n`).join('')}`);
        process.exitCode = 1;
      });
    });

  backup
    .command('prune')
    .description('delete old backups, keeping the newest of each of the last N days and M weeks')
    .option('--daily <n>', 'days to keep one backup of', nonNegative, 7)
    .option('--weekly <n>', 'weeks to keep one backup of', nonNegative, 4)
    .action(async (options: { daily: number; weekly: number }) => {
      await withOwnerUrl(async ({ config }) => {
        const { kept, deleted } = await pruneBackups(config.backups.directory, options);
        process.stdout.write(`kept ${kept.length} backup(s), deleted ${deleted.length}\n`);
        for (const name of deleted) process.stdout.write(`  deleted ${name}\n`);
      });
    });

  program
    .command('restore')
    .description('restore a backup into the configured (empty) database, then apply newer migrations')
    .argument('<archive>', 'the .llbk file')
    .option('--force', 'replace the contents of a database that is not empty')
    .action(async (archive: string, options: { force?: boolean }) => {
      await withOwnerUrl(async ({ config, logger, ownerUrl }) => {
        const result = await withBlobStore(config, (blobs) =>
          restoreBackup({
            archivePath: path.resolve(archive),
            ownerUrl,
            key: keyOf(config),
            logger,
            force: options.force === true,
            migrateAfter: true,
            blobs,
          }),
        );
        process.stdout.write(
          `restored ${result.header.name}: ${result.manifest.tables.length} tables, ${result.rowsRestored} rows, ${result.blobsRestored} media blobs\n`,
        );
      });
    });
}
