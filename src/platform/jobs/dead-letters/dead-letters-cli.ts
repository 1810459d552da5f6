import { type Command, InvalidArgumentError } from 'commander';
import type { Db } from '../../db/database.js';
import { isUuid } from '../../db/tenant-context.js';
import { encodeCursor, ZCursor } from '../../http/cursor.js';
import {
  discardSystemDeadLetters,
  replaySystemDeadLetters,
  systemDeadLetters,
} from './dead-letters.service.js';
import type { DeadLetter } from './dead-letters.table.js';
import { maskError } from './mask.js';

/** Runs `work` as the database owner: system dead letters (no tenant) are for instance operators only. */
export type WithOwnerDb = <T>(work: (db: Db) => Promise<T>) => Promise<T>;

const CLI_CONTEXT = { requestId: 'cli-dead-letters', ip: '127.0.0.1', userAgent: 'leadline-cli' };

function uuid(value: string, previous: string[] = []): string[] {
  if (!isUuid(value)) throw new InvalidArgumentError(`${value} is not a dead letter id (a UUID)`);
  return [...previous, value];
}

function limit(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 500) throw new InvalidArgumentError('1 to 500');
  return parsed;
}

function cursor(value: string) {
  const parsed = ZCursor.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('not a cursor printed by `dead-letters list`');
  return parsed.data;
}

function line(row: DeadLetter): string {
  const error = maskError(row.lastError)?.split('\n')[0]?.slice(0, 120) ?? '';
  const attempts = `${row.attempts}/${row.maxAttempts}`;
  return `${row.id}  ${row.failedAt.toISOString()}  ${row.status.padEnd(8)}  ${attempts.padEnd(5)}  ${row.task}  ${error}\n`;
}

/** `leadline dead-letters list|replay|discard`: the system dead letters (jobs of no tenant). */
export function registerDeadLetterCommands(program: Command, withOwnerDb: WithOwnerDb): void {
  const command = program
    .command('dead-letters')
    .description('system jobs (no workspace) that used up their attempts; workspaces use the API');
  command
    .command('list')
    .description('newest failure first (payloads are not printed: they hold personal data)')
    .option('--task <task>', 'only this task')
    .option('--limit <n>', 'how many', limit, 50)
    .option('--cursor <cursor>', 'continue after a previous page', cursor)
    .action(async (options: { task?: string; limit: number; cursor?: ReturnType<typeof cursor> }) => {
      await withOwnerDb(async (db) => {
        const page = await systemDeadLetters(db, {
          task: options.task,
          limit: options.limit,
          after: options.cursor,
        });
        for (const row of page.items) process.stdout.write(line(row));
        if (page.next)
          process.stdout.write(`next page: --cursor ${encodeCursor(page.next.at, page.next.id)}\n`);
      });
    });
  command
    .command('replay')
    .description('enqueue the jobs again with a fresh attempt count (already replayed ones are left)')
    .argument('<ids...>', 'dead letter ids')
    .action(async (ids: string[]) => {
      const checked = ids.reduce<string[]>((all, id) => uuid(id, all), []);
      await withOwnerDb(async (db) => {
        const outcome = await replaySystemDeadLetters(db, CLI_CONTEXT, checked);
        for (const row of outcome.replayed)
          process.stdout.write(`replayed ${row.id} as job ${row.replayJobId}\n`);
        for (const id of outcome.alreadyReplayed) process.stdout.write(`already replayed ${id}\n`);
      });
    });
  command
    .command('discard')
    .description('delete dead letters (all or none)')
    .argument('<ids...>', 'dead letter ids')
    .action(async (ids: string[]) => {
      const checked = ids.reduce<string[]>((all, id) => uuid(id, all), []);
      await withOwnerDb(async (db) => {
        await discardSystemDeadLetters(db, CLI_CONTEXT, checked);
        process.stdout.write(`discarded ${checked.length}\n`);
      });
    });
}
