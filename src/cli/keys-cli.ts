import { randomUUID } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import { keyStatus, rotateDataKey } from '../encryption/data-keys.service.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { isUuid } from '../platform/db/tenant-context.js';
import { withBlobStore } from './backup-cli.js';

export type WithAppDb = <T>(work: (db: Db, config: Config) => Promise<T>) => Promise<T>;

function workspaceId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('must be a workspace id (UUID)');
  return value;
}

/** `leadline keys rotate|status --workspace <id>`: the workspace's data keys (ADR 0036). */
export function registerKeysCommands(program: Command, withAppDb: WithAppDb): void {
  const keys = program.command('keys').description("a workspace's data keys (encryption at rest)");
  keys
    .command('rotate')
    .description('make a new data-key version for new writes and queue the re-encryption of older values')
    .requiredOption('--workspace <id>', 'the workspace', workspaceId)
    .action(async (options: { workspace: string }) => {
      await withAppDb(async (db) => {
        const version = await rotateDataKey(db, options.workspace, `cli-${randomUUID()}`);
        process.stdout.write(`data key version ${version} is current; re-encryption queued\n`);
      });
    });
  keys
    .command('status')
    .description(
      'the data-key versions, how many stored values and blobs each one seals, and the re-encryption progress',
    )
    .requiredOption('--workspace <id>', 'the workspace', workspaceId)
    .action(async (options: { workspace: string }) => {
      await withAppDb(async (db, config) => {
        const status = await withBlobStore(config, (blobs) => keyStatus(db, options.workspace, blobs));
        process.stdout.write(`current version: ${status.current ?? 'none yet'}\n`);
        for (const entry of status.versions) {
          process.stdout.write(
            `version ${entry.version}: ${entry.values} value(s), ${entry.blobs} blob(s), made ${entry.createdAt.toISOString()}\n`,
          );
        }
        process.stdout.write(`plaintext values awaiting re-encryption: ${status.legacyValues}\n`);
        process.stdout.write(`plaintext blobs awaiting re-encryption: ${status.legacyBlobs}\n`);
        const pass = status.reencryption;
        if (pass) {
          process.stdout.write(
            `re-encryption to version ${pass.targetVersion}: ${pass.state} at ${pass.position}, ${pass.rowsRewritten} value(s) and ${pass.blobsRewritten} blob(s) rewritten\n`,
          );
        }
      });
    });
}
