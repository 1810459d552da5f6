import { type Command, InvalidArgumentError } from 'commander';
import type { Db } from '../platform/db/database.js';
import { isUuid } from '../platform/db/tenant-context.js';
import { searchPersonalData } from '../privacy/personal-data-search.js';

export type WithOwnerDb = <T>(work: (db: Db) => Promise<T>) => Promise<T>;

function workspaceId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('must be a workspace id (UUID)');
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
}
