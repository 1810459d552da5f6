import { randomUUID } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { isUuid, withTenant } from '../platform/db/tenant-context.js';
import { type ErasureTarget, requestErasure, runErasure } from '../privacy/erasure.service.js';
import { searchPersonalData } from '../privacy/personal-data-search.js';
import { withBlobStore } from './backup-cli.js';

export type WithOwnerDb = <T>(work: (db: Db, config: Config) => Promise<T>) => Promise<T>;

function workspaceId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('must be a workspace id (UUID)');
  return value;
}

function contactId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('must be a contact id (UUID)');
  return value;
}

export function registerPrivacyCommands(program: Command, withOwnerDb: WithOwnerDb): void {
  const privacy = program.command('privacy').description('where personal data is');
  privacy
    .command('search')
    .description(
      "count the rows of every registered personal-data column that contain a person's number, address or name",
    )
    .option('--phone <number>', 'a phone number, any spelling (searched as its digits)')
    .option('--email <address>', 'an e-mail address')
    .option('--name <name>', 'a name')
    .option('--workspace <id>', 'only this workspace', workspaceId)
    .option('--expect-none', 'exit 1 when anything is found (the check after an erasure)')
    .action(
      async (options: {
        phone?: string;
        email?: string;
        name?: string;
        workspace?: string;
        expectNone?: boolean;
      }) => {
        await withOwnerDb(async (db) => {
          const hits = await searchPersonalData(
            db,
            { phone: options.phone, email: options.email, name: options.name },
            { tenantId: options.workspace },
          );
          if (hits.length === 0) process.stdout.write('nothing found\n');
          for (const hit of hits) process.stdout.write(`${hit.table}.${hit.column}: ${hit.rows} row(s)\n`);
          if (options.expectNone && hits.length > 0) process.exitCode = 1;
        });
      },
    );

  privacy
    .command('erase')
    .description(
      'erase a contact of a workspace (messages, media, raw payloads, notes, call records, ...), then verify nothing is left',
    )
    .requiredOption('--workspace <id>', 'the workspace', workspaceId)
    .option('--contact <id>', 'the contact id', contactId)
    .option('--phone <number>', 'the contact by phone number')
    .option('--email <address>', 'the contact by e-mail address')
    .action(async (options: { workspace: string; contact?: string; phone?: string; email?: string }) => {
      const targets: ErasureTarget[] = [
        ...(options.contact ? [{ contactId: options.contact }] : []),
        ...(options.phone ? [{ phone: options.phone }] : []),
        ...(options.email ? [{ email: options.email }] : []),
      ];
      if (targets.length !== 1)
        throw new InvalidArgumentError('name the contact once: --contact, --phone or --email');
      await withOwnerDb(async (db, config) => {
        const actor = {
          userId: null,
          apiKeyId: null,
          context: { requestId: `cli-${randomUUID()}`, ip: '127.0.0.1', userAgent: 'leadline-cli' },
        };
        const erasure = await requestErasure(db, options.workspace, actor, targets[0] as ErasureTarget);
        const outcome = await withBlobStore(config, (blobs) =>
          runErasure(
            (work) => withTenant(db, options.workspace, work),
            { blobs, secretKey: config.secretKey },
            erasure.id,
          ),
        );
        for (const [table, count] of Object.entries(outcome.erasure.progress)) {
          process.stdout.write(`${table}: ${count}\n`);
        }
        if (outcome.remaining.length === 0)
          process.stdout.write(`erasure ${erasure.id}: verified, nothing left\n`);
        for (const hit of outcome.remaining)
          process.stdout.write(`still found: ${hit.table}.${hit.column}\n`);
        if (outcome.remaining.length > 0 || outcome.erasure.status !== 'done') process.exitCode = 1;
      });
    });
}
