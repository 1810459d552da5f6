import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import type { Actor } from '../../api-keys/api-keys.service.js';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/tenant-context.js';
import { ZChannelChanges, ZNewChannel } from './channels.fields.js';
import {
  changeChannel,
  createChannel,
  listTenantChannels,
  setChannelDisabled,
  webhookUrl,
} from './channels.service.js';
import type { WhatsappChannel } from './channels.table.js';

/** Runs `work` against the database as the application role (row-level security applies). */
export type WithAppDb = <T>(work: (db: Db, config: Config) => Promise<T>) => Promise<T>;

const CLI_ACTOR: Actor = {
  userId: null,
  apiKeyId: null,
  context: { requestId: 'cli-channel', ip: '127.0.0.1', userAgent: 'leadline-cli' },
};

function uuid(name: string) {
  return (value: string) => {
    if (!isUuid(value)) throw new InvalidArgumentError(`${name} must be a UUID`);
    return value;
  };
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function yesNo(value: string): boolean {
  if (value !== 'true' && value !== 'false') throw new InvalidArgumentError('must be true or false');
  return value === 'true';
}

/**
 * Secrets come from files (a Docker secret, `/dev/stdin`), never from arguments: the command line ends up
 * in shell history, `ps` output and CI logs.
 */
function secretFile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return readFileSync(path, 'utf8').trim();
}

function validated<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  // Field names and rules only: the rejected values may be secrets.
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
  throw new InvalidArgumentError(problems.join('; '));
}

function describeChannel(config: Config, channel: WhatsappChannel): string {
  return [
    channel.id,
    channel.phoneNumberId,
    channel.displayPhoneNumber,
    channel.disabledAt ? 'disabled' : 'enabled',
    webhookUrl(config, channel.id),
    channel.name,
  ].join('\t');
}

interface CommonOptions {
  tenant: string;
}

/** `leadline channel add|list|update|disable|enable`: the channels API for operators, by tenant id. */
export function registerChannelCommands(program: Command, withAppDb: WithAppDb): void {
  const channel = program.command('channel').description("manage a workspace's WhatsApp channels");

  channel
    .command('add')
    .description('connect a WhatsApp Business phone number; prints its webhook URL and verify token once')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', uuid('--tenant'))
    .requiredOption('--name <name>', 'a name for people')
    .requiredOption('--phone-number-id <id>', "Meta's phone number id")
    .requiredOption('--display-number <number>', 'the phone number as people read it')
    .requiredOption('--waba-id <id>', 'the WhatsApp Business Account id')
    .requiredOption('--access-token-file <path>', 'file holding the Graph API access token')
    .requiredOption('--app-secret-file <path>', "file holding the Meta app's secret")
    .option('--verify-token-file <path>', 'file holding the verify token (default: generated)')
    .option('--messages-per-second <n>', 'send rate limit', positiveInteger)
    .action(
      async (
        options: CommonOptions & {
          name: string;
          phoneNumberId: string;
          displayNumber: string;
          wabaId: string;
          accessTokenFile: string;
          appSecretFile: string;
          verifyTokenFile?: string;
          messagesPerSecond?: number;
        },
      ) => {
        const input = validated(ZNewChannel, {
          name: options.name,
          phoneNumberId: options.phoneNumberId,
          displayPhoneNumber: options.displayNumber,
          wabaId: options.wabaId,
          accessToken: secretFile(options.accessTokenFile),
          appSecret: secretFile(options.appSecretFile),
          verifyToken: secretFile(options.verifyTokenFile),
          messagesPerSecond: options.messagesPerSecond,
        });
        await withAppDb(async (db, config) => {
          const created = await createChannel(db, config, options.tenant, CLI_ACTOR, input);
          process.stdout.write(
            `created channel ${created.channel.id}\n` +
              `webhook URL:  ${webhookUrl(config, created.channel.id)}\n` +
              (input.verifyToken ? '' : `verify token: ${created.verifyToken} (shown only now)\n`),
          );
        });
      },
    );

  channel
    .command('list')
    .description('print the channels: id, phone number id, number, state, webhook URL, name')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', uuid('--tenant'))
    .action(async (options: CommonOptions) => {
      await withAppDb(async (db, config) => {
        for (let cursor: string | undefined, page = 0; page < 1_000; page++) {
          const rows = await listTenantChannels(db, options.tenant, { limit: 100, cursor });
          for (const row of rows) process.stdout.write(`${describeChannel(config, row)}\n`);
          cursor = rows.at(-1)?.id;
          if (rows.length < 100) break;
        }
      });
    });

  channel
    .command('update')
    .description('change a channel; a new app secret keeps the old one valid for the grace period')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', uuid('--tenant'))
    .requiredOption('--id <channel>', 'the channel id', uuid('--id'))
    .option('--name <name>', 'a name for people')
    .option('--display-number <number>', 'the phone number as people read it')
    .option('--access-token-file <path>', 'file holding the new access token')
    .option('--app-secret-file <path>', "file holding the Meta app's new secret")
    .option('--verify-token-file <path>', 'file holding a new verify token')
    .option('--messages-per-second <n>', 'send rate limit', positiveInteger)
    .option('--mark-as-read <true|false>', 'mark inbound messages as read', yesNo)
    .action(
      async (
        options: CommonOptions & {
          id: string;
          name?: string;
          displayNumber?: string;
          accessTokenFile?: string;
          appSecretFile?: string;
          verifyTokenFile?: string;
          messagesPerSecond?: number;
          markAsRead?: boolean;
        },
      ) => {
        const changes = Object.fromEntries(
          Object.entries({
            name: options.name,
            displayPhoneNumber: options.displayNumber,
            accessToken: secretFile(options.accessTokenFile),
            appSecret: secretFile(options.appSecretFile),
            verifyToken: secretFile(options.verifyTokenFile),
            messagesPerSecond: options.messagesPerSecond,
            markAsRead: options.markAsRead,
          }).filter(([, value]) => value !== undefined),
        );
        const input = validated(ZChannelChanges, changes);
        await withAppDb(async (db, config) => {
          const updated = await changeChannel(db, config, options.tenant, CLI_ACTOR, options.id, input);
          process.stdout.write(`${describeChannel(config, updated)}\n`);
        });
      },
    );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    channel
      .command(name)
      .description(disabled ? 'disable a channel: its webhook answers 404' : 'enable a disabled channel')
      .requiredOption('--tenant <id>', 'the workspace (tenant) id', uuid('--tenant'))
      .requiredOption('--id <channel>', 'the channel id', uuid('--id'))
      .action(async (options: CommonOptions & { id: string }) => {
        await withAppDb(async (db, config) => {
          const updated = await setChannelDisabled(db, options.tenant, CLI_ACTOR, options.id, disabled);
          process.stdout.write(`${describeChannel(config, updated)}\n`);
        });
      });
  }
}
