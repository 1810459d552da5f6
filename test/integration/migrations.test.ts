import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/platform/db/database.js';
import {
  expectedMigrations,
  migrateDown,
  migrateUp,
  migrationStatus,
} from '../../src/platform/db/migrator.js';
import { prepareDatabase } from '../../src/platform/db/prepare.js';
import { minimalEnv, REPO_ROOT, runTsx } from '../fixtures/node-process.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logs = captureLogger();
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];
const CLI = path.join(REPO_ROOT, 'src/cli/main.ts');

afterAll(async () => {
  for (const database of databases) await database.drop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrated: false });
  databases.push(database);
  return database;
}

/** The tables whose presence the up/down round trip checks (the WhatsApp pipeline's among them). */
const CHECKED_TABLES = [
  'canned_responses',
  'catalog_items',
  'contact_imports',
  'contacts',
  'conversation_labels',
  'conversation_notes',
  'conversation_ownership_events',
  'conversation_reads',
  'conversations',
  'dead_letters',
  'domain_events',
  'labels',
  'message_media',
  'messages',
  'qualifier_settings',
  'quote_counters',
  'quote_decisions',
  'quote_documents',
  'quote_lines',
  'quote_settings',
  'quote_versions',
  'quotes',
  'segments',
  'tenants',
  'whatsapp_channels',
  'whatsapp_inbound',
  'whatsapp_status_events',
  'whatsapp_webhook_events',
  'worker_heartbeats',
] as const;

interface SchemaState {
  tables: string[];
  appCurrentTenant: boolean;
  whatsappIngest: boolean;
  policies: string[];
}

async function schemaState(ownerDb: Db): Promise<SchemaState> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_name = any(${[...CHECKED_TABLES]})
    order by table_name`.execute(ownerDb);
  const { rows: fn } = await sql<{ exists: boolean; ingest: boolean }>`
    select to_regprocedure('public.app_current_tenant()') is not null as exists,
           to_regprocedure('public.whatsapp_ingest(uuid, uuid[], text[], bytea[], json, json, json)') is not null
             as ingest`.execute(ownerDb);
  const { rows: policies } = await sql<{ name: string }>`
    select tablename || '.' || policyname as name from pg_policies where schemaname = 'public'
    order by 1`.execute(ownerDb);
  return {
    tables: tables.map((t) => t.name),
    appCurrentTenant: fn[0]?.exists ?? false,
    whatsappIngest: fn[0]?.ingest ?? false,
    policies: policies.map((p) => p.name),
  };
}

const MIGRATED: SchemaState = {
  tables: [...CHECKED_TABLES],
  appCurrentTenant: true,
  whatsappIngest: true,
  policies: [
    'api_keys.owner_auth_lookup',
    'api_keys.tenant_isolation',
    'audit_log.owner_privacy_update',
    'audit_log.tenant_append',
    'audit_log.tenant_read',
    'automation_halts.tenant_isolation',
    'automation_rules.tenant_isolation',
    'automation_runs.tenant_isolation',
    'business_hours.tenant_isolation',
    'callback_call_events.tenant_isolation',
    'callback_settings.tenant_isolation',
    'callback_widgets.tenant_isolation',
    'callbacks.tenant_isolation',
    'campaign_recipients.tenant_isolation',
    'campaigns.tenant_isolation',
    'canned_responses.tenant_isolation',
    'catalog_items.tenant_isolation',
    'consent_entries.tenant_isolation',
    'contact_enrichments.tenant_isolation',
    'contact_events.tenant_isolation',
    'contact_import_changes.tenant_isolation',
    'contact_import_mappings.tenant_isolation',
    'contact_import_rejects.tenant_isolation',
    'contact_import_settings.tenant_isolation',
    'contact_imports.tenant_isolation',
    'contacts.owner_inbox_search',
    'contacts.tenant_isolation',
    'conversation_attachments.tenant_isolation',
    'conversation_labels.tenant_isolation',
    'conversation_notes.tenant_isolation',
    'conversation_ownership_events.tenant_isolation',
    'conversation_reads.tenant_isolation',
    'conversations.tenant_isolation',
    'custom_field_definitions.tenant_isolation',
    'data_key_reencryptions.tenant_isolation',
    'dead_letters.operator_access',
    'dead_letters.tenant_isolation',
    'domain_events.tenant_isolation',
    'email_event_settings.tenant_isolation',
    'email_events.tenant_isolation',
    'enrichment_settings.tenant_isolation',
    'enrichment_usage.tenant_isolation',
    'hubspot_connections.tenant_isolation',
    'hubspot_outbox.tenant_isolation',
    'hubspot_records.tenant_isolation',
    'hubspot_webhook_events.tenant_isolation',
    'inbox_settings.tenant_isolation',
    'invitations.owner_auth_lookup',
    'invitations.tenant_isolation',
    'labels.tenant_isolation',
    'lead_deliveries.tenant_isolation',
    'lead_sources.owner_lead_source_lookup',
    'lead_sources.tenant_isolation',
    'llm_budget_windows.tenant_isolation',
    'llm_calls.tenant_isolation',
    'llm_settings.tenant_isolation',
    'member_presence.tenant_isolation',
    'memberships.owner_auth_lookup',
    'memberships.tenant_isolation',
    'message_media.tenant_isolation',
    'messages.tenant_isolation',
    'notification_preferences.tenant_isolation',
    'notifications.tenant_isolation',
    'pipeline_stages.tenant_isolation',
    'privacy_erasures.tenant_isolation',
    'privacy_suppressions.tenant_isolation',
    'qualifier_settings.tenant_isolation',
    'quote_counters.tenant_isolation',
    'quote_decisions.tenant_isolation',
    'quote_documents.tenant_isolation',
    'quote_lines.tenant_isolation',
    'quote_settings.tenant_isolation',
    'quote_versions.tenant_isolation',
    'quotes.tenant_isolation',
    'report_conversation_facts.tenant_isolation',
    'report_member_facts.tenant_isolation',
    'report_rollup_state.tenant_isolation',
    'retention_policies.tenant_isolation',
    'retention_runs.tenant_isolation',
    'segments.tenant_isolation',
    'sms_inbound.tenant_isolation',
    'sms_status_events.tenant_isolation',
    'tenants.owner_auth_lookup',
    'tenants.tenant_isolation',
    'twilio_connections.tenant_isolation',
    'twilio_numbers.tenant_isolation',
    'whatsapp_channels.owner_webhook_lookup',
    'whatsapp_channels.tenant_isolation',
    'whatsapp_inbound.tenant_isolation',
    'whatsapp_status_events.tenant_isolation',
    'whatsapp_webhook_events.tenant_isolation',
    'workspace_data_keys.tenant_isolation',
    'workspace_plans.tenant_isolation',
    'workspace_usage_months.tenant_isolation',
  ],
};
const EMPTY: SchemaState = { tables: [], appCurrentTenant: false, whatsappIngest: false, policies: [] };

describe('migrations on an empty database', () => {
  it('prepareDatabase applies every migration, in order, and migrationStatus shows each executed', async () => {
    const database = await emptyDatabase();
    expect(expectedMigrations().length).toBeGreaterThan(0);

    expect(await prepareDatabase(database.ownerUrl, logs.logger)).toEqual(expectedMigrations());

    const status = await migrationStatus(database.ownerDb);
    expect(status.map((m) => m.name)).toEqual(expectedMigrations());
    for (const migration of status) expect(migration.executedAt, migration.name).toBeInstanceOf(Date);
    expect(await schemaState(database.ownerDb)).toEqual(MIGRATED);
    // graphile-worker's schema is installed too, and the application role can queue and see jobs in it.
    await sql`select graphile_worker.add_job('migrations.probe', '{}'::json)`.execute(database.db);
    const { rows } = await sql<{ jobs: number }>`
      select count(*)::int as jobs from graphile_worker._private_jobs`.execute(database.db);
    expect(rows).toEqual([{ jobs: 1 }]);
  });

  it('running prepareDatabase again is a no-op', async () => {
    const database = await emptyDatabase();
    await prepareDatabase(database.ownerUrl, logs.logger);
    const before = await migrationStatus(database.ownerDb);

    expect(await prepareDatabase(database.ownerUrl, logs.logger)).toEqual([]);
    expect(await migrationStatus(database.ownerDb)).toEqual(before);
  });

  it('migrateDown all reverts to zero, and migrateUp brings back every table and row-level security policy', async () => {
    const database = await emptyDatabase();
    await prepareDatabase(database.ownerUrl, logs.logger);

    expect(await migrateDown(database.ownerDb, 'all')).toEqual([...expectedMigrations()].reverse());
    expect(await schemaState(database.ownerDb)).toEqual(EMPTY);
    for (const migration of await migrationStatus(database.ownerDb)) {
      expect(migration.executedAt, migration.name).toBeUndefined();
    }
    expect(await migrateDown(database.ownerDb, 'all')).toEqual([]);

    expect(await migrateUp(database.ownerDb)).toEqual(expectedMigrations());
    expect(await schemaState(database.ownerDb)).toEqual(MIGRATED);
    const { rows } = await sql<{ table: string; forced: boolean }>`
      select relname as table, relforcerowsecurity as forced from pg_class
      where relname in ('tenants', 'contacts') and relnamespace = 'public'::regnamespace
      order by relname`.execute(database.ownerDb);
    expect(rows).toEqual([
      { table: 'contacts', forced: true },
      { table: 'tenants', forced: true },
    ]);
  });

  it('a migration that fails rejects, and records nothing of itself', async () => {
    const database = await emptyDatabase();
    await sql`create table tenants (id integer primary key)`.execute(database.ownerDb);
    const [first] = expectedMigrations();

    const failure = await prepareDatabase(database.ownerUrl, logs.logger).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`migration ${first} failed`);
    expect(String((failure as Error).cause)).toMatch(/relation "tenants" already exists/);

    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(database.ownerDb);
    expect(rows).toEqual([]);
    // Each migration runs in a transaction: what it created before the failing statement is gone too.
    expect(await schemaState(database.ownerDb)).toMatchObject({ appCurrentTenant: false, policies: [] });
  });
});

describe('the migrate CLI', () => {
  function cli(database: TestDatabase, args: string[]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'leadline-migrate-cli-'));
    tempDirs.push(dataDir);
    return runTsx(CLI, args, {
      // Away from the repository, so no `.env` there can add settings; the environment is exactly this.
      cwd: dataDir,
      env: minimalEnv({
        DATABASE_URL: database.ownerUrl,
        DATA_DIR: dataDir,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
      }),
      timeoutMs: 30_000,
    });
  }

  it('status, up, down --all and down report what they did and exit 0', { timeout: 120_000 }, async () => {
    const database = await emptyDatabase();
    const names = expectedMigrations();
    const statusLine = (name: string, when: 'pending' | 'applied') =>
      when === 'pending'
        ? new RegExp(`^pending\\s+${name}$`, 'm')
        : new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z  ${name}$`, 'm');

    const pending = await cli(database, ['migrate', 'status']);
    expect(pending, pending.stderr).toMatchObject({ code: 0 });
    for (const name of names) expect(pending.stdout).toMatch(statusLine(name, 'pending'));

    const up = await cli(database, ['migrate', 'up']);
    expect(up, up.stderr).toMatchObject({ code: 0, stdout: `applied: ${names.join(', ')}\n` });

    const applied = await cli(database, ['migrate', 'status']);
    expect(applied.code).toBe(0);
    for (const name of names) expect(applied.stdout).toMatch(statusLine(name, 'applied'));

    const again = await cli(database, ['migrate', 'up']);
    expect(again, again.stderr).toMatchObject({ code: 0, stdout: 'already up to date\n' });

    const down = await cli(database, ['migrate', 'down', '--all']);
    expect(down, down.stderr).toMatchObject({
      code: 0,
      stdout: `reverted: ${[...names].reverse().join(', ')}\n`,
    });
    expect(await schemaState(database.ownerDb)).toEqual(EMPTY);

    const nothing = await cli(database, ['migrate', 'down']);
    expect(nothing, nothing.stderr).toMatchObject({ code: 0, stdout: 'nothing to revert\n' });
  });

  it('migrate up exits non-zero and names the failed migration when it cannot apply', {
    timeout: 60_000,
  }, async () => {
    const database = await emptyDatabase();
    await sql`create table tenants (id integer primary key)`.execute(database.ownerDb);

    const result = await cli(database, ['migrate', 'up']);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`leadline: migration ${expectedMigrations()[0]} failed`);
    expect(result.stderr).toContain('cause: relation "tenants" already exists');
  });
});
