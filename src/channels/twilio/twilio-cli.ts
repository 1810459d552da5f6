import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { Actor } from '../../api-keys/api-keys.service.js';
import { isUuid, withTenant } from '../../platform/db/tenant-context.js';
import type { WithAppDb } from '../whatsapp/channel-cli.js';
import { ZNewConnection } from './connection.fields.js';
import { connectTwilio, findConnection, listNumbers, syncNumbers } from './connection.service.js';
import { createTwilioRuntime } from './twilio-runtime.js';

const CLI_ACTOR: Actor = {
  userId: null,
  apiKeyId: null,
  context: { requestId: 'cli-twilio', ip: '127.0.0.1', userAgent: 'leadline-cli' },
};

function tenantId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('--tenant must be a UUID');
  return value;
}

/** Secrets come from files (a Docker secret, `/dev/stdin`), never from arguments (shell history, `ps`). */
function secretFile(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'utf8').trim();
}

/** `leadline twilio connect|status|numbers`: the Twilio connection API for operators, by tenant id. */
export function registerTwilioCommands(program: Command, withAppDb: WithAppDb): void {
  const twilio = program.command('twilio').description("manage a workspace's Twilio connection");

  twilio
    .command('connect')
    .description('connect a Twilio account (checked with Twilio first); secrets are read from files')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', tenantId)
    .requiredOption('--account-sid <sid>', 'the Account SID (AC…)')
    .requiredOption('--auth-token-file <path>', 'file holding the auth token')
    .option('--api-key-sid <sid>', 'an API key SID (SK…) for REST calls')
    .option('--api-key-secret-file <path>', "file holding the API key's secret")
    .action(
      async (options: {
        tenant: string;
        accountSid: string;
        authTokenFile: string;
        apiKeySid?: string;
        apiKeySecretFile?: string;
      }) => {
        const parsed = ZNewConnection.safeParse({
          accountSid: options.accountSid,
          authToken: secretFile(options.authTokenFile),
          apiKeySid: options.apiKeySid,
          apiKeySecret: secretFile(options.apiKeySecretFile),
        });
        if (!parsed.success) {
          // Field names and rules only: the rejected values may be secrets.
          throw new InvalidArgumentError(
            parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
          );
        }
        await withAppDb(async (db, config) => {
          const runtime = createTwilioRuntime({ config, db });
          try {
            const saved = await connectTwilio(
              db,
              config,
              runtime.rest,
              options.tenant,
              CLI_ACTOR,
              parsed.data,
            );
            const numbers = await syncNumbers(db, config, runtime.rest, options.tenant);
            process.stdout.write(
              `connected ${saved.accountSid} (${saved.friendlyName ?? 'no name'}); ${numbers.length} number(s)\n`,
            );
          } finally {
            await runtime.close();
          }
        });
      },
    );

  twilio
    .command('status')
    .description('print the connection: account SID, authentication, verified at')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', tenantId)
    .action(async (options: { tenant: string }) => {
      await withAppDb(async (db) => {
        const connection = await withTenant(db, options.tenant, findConnection);
        if (!connection) {
          process.stdout.write('not connected\n');
          process.exitCode = 1;
          return;
        }
        process.stdout.write(
          `${connection.accountSid}\t${connection.apiKeySid ? 'api-key' : 'auth-token'}\t${connection.verifiedAt.toISOString()}\n`,
        );
      });
    });

  twilio
    .command('numbers')
    .description("print the workspace's Twilio numbers (with --sync: refresh them from Twilio first)")
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', tenantId)
    .option('--sync', 'list the account’s IncomingPhoneNumbers again')
    .action(async (options: { tenant: string; sync?: boolean }) => {
      await withAppDb(async (db, config) => {
        let numbers = await withTenant(db, options.tenant, listNumbers);
        if (options.sync) {
          const runtime = createTwilioRuntime({ config, db });
          try {
            numbers = await syncNumbers(db, config, runtime.rest, options.tenant);
          } finally {
            await runtime.close();
          }
        }
        for (const number of numbers) {
          process.stdout.write(
            `${number.id}\t${number.phoneE164}\t${number.voice ? 'voice' : '-'}\t${number.sms ? 'sms' : '-'}\n`,
          );
        }
      });
    });
}
