#!/usr/bin/env node
import closeWithGrace from 'close-with-grace';
import { Command, InvalidArgumentError } from 'commander';
import { canonicalEmail } from '../accounts/email-address.js';
import { resetTwoFactor, setUserEnabled } from '../accounts/user-status.service.js';
import { registerTwilioCommands } from '../channels/twilio/twilio-cli.js';
import { registerChannelCommands } from '../channels/whatsapp/channel-cli.js';
import { registerHubspotCommands } from '../integrations/hubspot/hubspot-cli.js';
import { formatOutbox, listOutboxMail } from '../mail/mail-outbox.repository.js';
import { type Config, configuredSecrets } from '../platform/config/config.js';
import { ConfigError, loadConfig } from '../platform/config/load.js';
import { configureDataKeysFrom } from '../platform/crypto/data-keys.js';
import { locateDatabase } from '../platform/db/connect.js';
import { createDb, createPool } from '../platform/db/database.js';
import { migrateDown, migrationStatus } from '../platform/db/migrator.js';
import { prepareDatabase } from '../platform/db/prepare.js';
import { registerDeadLetterCommands } from '../platform/jobs/dead-letters/dead-letters-cli.js';
import { createLogger, type Logger, wantsPrettyLogs } from '../platform/logging/logger.js';
import { VERSION } from '../platform/version.js';
import { configureSuppressionFrom } from '../privacy/suppression.js';
import { type Runtime, type RuntimeOptions, startRuntime } from '../server.js';
import { ZWorkspaceName } from '../tenants/fields.js';
import { announceDevelopmentSetup, createWorkspaceWithOwnerInvitation } from '../tenants/first-owner.js';
import { registerBackupCommands } from './backup-cli.js';
import { configFindings, databaseFindings, formatFindings } from './doctor.js';
import { registerKeysCommands } from './keys-cli.js';
import { registerPlanCommands } from './plans-cli.js';
import { registerPrivacyCommands } from './privacy-cli.js';

function bootstrap(): { config: Config; logger: Logger } {
  try {
    const config = loadConfig();
    configureDataKeysFrom(config);
    configureSuppressionFrom(config);
    const logger = createLogger({
      level: config.log.level,
      secrets: configuredSecrets(config),
      pretty: wantsPrettyLogs(config.env),
    });
    return { config, logger };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Runs until SIGINT/SIGTERM, then shuts down gracefully (a second signal, or the timeout, forces exit). */
async function runUntilSignalled(
  options: Omit<RuntimeOptions, 'logger'>,
  afterStart?: (runtime: Runtime, config: Config) => Promise<unknown>,
): Promise<void> {
  const { config, logger } = bootstrap();
  const runtime = await startRuntime(config, { ...options, logger });
  await afterStart?.(runtime, config);
  closeWithGrace({ delay: config.shutdownTimeoutMs + 5_000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an unexpected error');
    else logger.info({ signal }, 'shutting down');
    await runtime.close();
    logger.info('stopped');
  });
}

async function withOwnerDb<T>(
  work: (db: ReturnType<typeof createDb>, logger: Logger, url: string) => Promise<T>,
) {
  const { config, logger } = bootstrap();
  const location = await locateDatabase(config, logger, { stopEmbedded: 'if-started-here' });
  const db = createDb(
    createPool({ connectionString: location.ownerUrl, max: 1, applicationName: 'leadline-cli' }),
  );
  try {
    return await work(db, logger, location.ownerUrl);
  } finally {
    await db.destroy();
    await location.release();
  }
}

/** For domain commands: the application role, so row-level security binds them as it binds the API. */
async function withAppDb<T>(work: (db: ReturnType<typeof createDb>, config: Config) => Promise<T>) {
  const { config, logger } = bootstrap();
  const location = await locateDatabase(config, logger, { stopEmbedded: 'if-started-here' });
  const db = createDb(
    createPool({
      connectionString: location.appUrl,
      sessionRole: location.sessionRole,
      max: 1,
      applicationName: 'leadline-cli',
    }),
  );
  try {
    return await work(db, config);
  } finally {
    await db.destroy();
    await location.release();
  }
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

const program = new Command('leadline')
  .version(VERSION)
  .description('Leadline: conversational sales platform');

program
  .command('serve')
  .description('run the HTTP server and, unless --no-worker, the job worker')
  .option('--no-worker', 'do not run jobs in this process (run `leadline worker` elsewhere)')
  .action(async (options: { worker: boolean }) => {
    await runUntilSignalled(
      { http: true, worker: options.worker, migrate: true, stopEmbedded: 'always' },
      // Development only, and only while no account exists: a one-time link for the first owner.
      (runtime, config) => announceDevelopmentSetup(runtime.db, config, runtime.logger),
    );
  });

program
  .command('worker')
  .description('run only the job worker (scale out beside `serve --no-worker`)')
  .action(async () => {
    await runUntilSignalled({ http: false, worker: true, migrate: false, stopEmbedded: 'if-started-here' });
  });

const migrate = program.command('migrate').description('manage the database schema');
migrate
  .command('up')
  .description('apply all pending migrations')
  .action(async () => {
    const { config, logger } = bootstrap();
    const location = await locateDatabase(config, logger, { stopEmbedded: 'if-started-here' });
    try {
      const applied = await prepareDatabase(location.ownerUrl, logger);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
    } finally {
      await location.release();
    }
  });
migrate
  .command('down')
  .description('revert the newest migration (or --steps N, or --all)')
  .option('--steps <n>', 'how many migrations to revert', positiveInteger, 1)
  .option('--all', 'revert every migration')
  .action(async (options: { steps: number; all?: boolean }) => {
    await withOwnerDb(async (db) => {
      const reverted = await migrateDown(db, options.all ? 'all' : options.steps);
      process.stdout.write(reverted.length ? `reverted: ${reverted.join(', ')}\n` : 'nothing to revert\n');
    });
  });
migrate
  .command('status')
  .description('list migrations and when they were applied')
  .action(async () => {
    await withOwnerDb(async (db) => {
      for (const m of await migrationStatus(db)) {
        process.stdout.write(
          `${m.executedAt ? m.executedAt.toISOString() : 'pending'.padEnd(24)}  ${m.name}\n`,
        );
      }
    });
  });

program
  .command('doctor')
  .description('check the configuration and database for a safe deployment; exits 1 on failure')
  .action(async () => {
    const { config, logger } = bootstrap();
    const findings = [...configFindings(config), ...(await databaseFindings(config, logger))];
    process.stdout.write(`${formatFindings(findings)}\n`);
    process.exitCode = findings.some((f) => f.verdict === 'fail') ? 1 : 0;
  });

const admin = program.command('admin').description('operator tasks on accounts');
for (const [name, enabled] of [
  ['disable-user', false],
  ['enable-user', true],
] as const) {
  admin
    .command(name)
    .description(
      enabled ? 'allow a disabled user to sign in again' : 'block a user and end all their sessions now',
    )
    .requiredOption('--email <address>', "the user's e-mail address")
    .action(async (options: { email: string }) => {
      await withOwnerDb(async (db) => {
        const change = await setUserEnabled(db, { email: options.email, enabled, context: null });
        process.stdout.write(
          enabled
            ? `enabled ${change.email}\n`
            : `disabled ${change.email}; ended ${change.sessionsRevoked} session(s)\n`,
        );
      });
    });
}

admin
  .command('reset-2fa')
  .description("turn off a user's two-factor authentication and end their sessions (audited, mailed)")
  .requiredOption('--email <address>', "the user's e-mail address")
  .action(async (options: { email: string }) => {
    const { config } = bootstrap();
    await withOwnerDb(async (db) => {
      const reset = await resetTwoFactor(
        db,
        { secretKey: config.secretKey, publicUrl: config.http.publicUrl },
        {
          email: options.email,
          context: { requestId: 'cli-reset-2fa', ip: 'local', userAgent: 'leadline-cli' },
        },
      );
      process.stdout.write(
        `${reset.hadTwoFactor ? 'turned off two-factor authentication for' : 'two-factor authentication was already off for'} ${reset.email}; ended ${reset.sessionsRevoked} session(s)\n`,
      );
    });
  });

admin
  .command('create-owner')
  .description('create a workspace and print a one-time link with which its first owner sets a password')
  .requiredOption('--email <address>', "the owner's e-mail address (their sign-in name)")
  .requiredOption('--workspace <name>', 'the name of the new workspace')
  .action(async (options: { email: string; workspace: string }) => {
    // No default account and no password on the command line (shell history, CI logs): the owner
    // chooses one through the invitation link, which also applies the password rules (ASVS 6.3.2).
    const email = canonicalEmail(options.email);
    if (!email) throw new InvalidArgumentError('--email is not a valid e-mail address');
    const name = ZWorkspaceName.safeParse(options.workspace);
    if (!name.success) throw new InvalidArgumentError('--workspace must be 1 to 200 characters, one line');
    const { config } = bootstrap();
    await withOwnerDb(async (db, logger, url) => {
      await prepareDatabase(url, logger);
      const setup = await createWorkspaceWithOwnerInvitation(db, config, {
        email,
        workspaceName: name.data,
        requestId: 'cli-create-owner',
      });
      process.stdout.write(
        `created workspace ${setup.tenantId} with an owner invitation for ${email}\n` +
          `open this link once, before ${setup.expiresAt.toISOString()}, to set the owner's password:\n` +
          `${setup.link}\n`,
      );
    });
  });

program
  .command('mail')
  .description('the local mail outbox (used when SMTP_URL is not set)')
  .command('list')
  .description('print the newest mails in the outbox')
  .option('--limit <n>', 'how many mails', positiveInteger, 20)
  .action(async (options: { limit: number }) => {
    await withOwnerDb(async (db) => {
      process.stdout.write(formatOutbox(await listOutboxMail(db, options.limit)));
    });
  });

registerChannelCommands(program, withAppDb);
registerBackupCommands(program, (work) =>
  withOwnerDb((_db, logger, ownerUrl) => work({ config: bootstrap().config, logger, ownerUrl })),
);
registerPrivacyCommands(program, (work) => withOwnerDb((db) => work(db, bootstrap().config)));
registerKeysCommands(program, (work) => withAppDb(work));
registerTwilioCommands(program, withAppDb);
registerHubspotCommands(program, withAppDb);
registerDeadLetterCommands(program, (work) => withOwnerDb((db) => work(db)));
registerPlanCommands(program, (work) => withAppDb((db) => work(db)));

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`leadline: ${error instanceof Error ? error.message : String(error)}\n`);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) process.stderr.write(`  cause: ${cause.message}\n`);
  process.exit(1);
});
