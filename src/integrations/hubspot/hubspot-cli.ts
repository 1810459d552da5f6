import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { Actor } from '../../api-keys/api-keys.service.js';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/tenant-context.js';
import { ZHubspotToken } from './connection.fields.js';
import { connectHubspot } from './connection.service.js';
import { createHubspotRuntime } from './hubspot-runtime.js';
import { hubspotSyncStatus } from './sync-status.js';

type WithAppDb = <T>(work: (db: Db, config: Config) => Promise<T>) => Promise<T>;

const CLI_ACTOR: Actor = {
  userId: null,
  apiKeyId: null,
  context: { requestId: 'cli-hubspot', ip: '127.0.0.1', userAgent: 'leadline-cli' },
};

function tenantId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('--tenant must be a UUID');
  return value;
}

/** `leadline hubspot connect|status`: the HubSpot connection API for operators, by tenant id. */
export function registerHubspotCommands(program: Command, withAppDb: WithAppDb): void {
  const hubspot = program.command('hubspot').description("manage a workspace's HubSpot connection");

  hubspot
    .command('connect')
    .description('connect a HubSpot account (token checked with HubSpot first, read from a file)')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', tenantId)
    .requiredOption('--token-file <path>', "file holding the private app's access token")
    .action(async (options: { tenant: string; tokenFile: string }) => {
      // From a file (a Docker secret, /dev/stdin), never an argument (shell history, `ps`).
      const token = ZHubspotToken.safeParse(readFileSync(options.tokenFile, 'utf8').trim());
      if (!token.success) throw new InvalidArgumentError('the file does not hold a private-app access token');
      await withAppDb(async (db, config) => {
        const runtime = createHubspotRuntime({ config });
        try {
          const saved = await connectHubspot(db, config, runtime.client, options.tenant, CLI_ACTOR, {
            token: token.data,
          });
          process.stdout.write(`connected HubSpot account ${saved.portalId}\n`);
        } finally {
          await runtime.close();
        }
      });
    });

  hubspot
    .command('status')
    .description('print the sync: last sync, records synced, backlog, refused records (no secrets)')
    .requiredOption('--tenant <id>', 'the workspace (tenant) id', tenantId)
    .action(async (options: { tenant: string }) => {
      await withAppDb(async (db) => {
        const status = await hubspotSyncStatus(db, options.tenant);
        process.stdout.write(
          `account ${status.portalId}; last sync ${status.lastSyncAt?.toISOString() ?? 'never'}; ` +
            `${status.syncedTotal} synced; ${status.backlog} waiting; ${status.errors.length} refused\n`,
        );
        for (const error of status.errors)
          process.stdout.write(`  ${error.kind} ${error.refId}: ${error.error}\n`);
      });
    });
}
