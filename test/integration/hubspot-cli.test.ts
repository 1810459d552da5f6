import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_HUBSPOT_TOKEN, type FakeHubspot, startFakeHubspot } from '../fakes/hubspot.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('leadline hubspot (CLI)', () => {
  let database: TestDatabase;
  let fake: FakeHubspot;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeHubspot();
    dir = mkdtempSync(path.join(tmpdir(), 'leadline-hubspot-cli-'));
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Three CLI processes, each booting tsx (over 60 s seen under load on the shared machine): 150 s.
  it('connects from a token file (checked with HubSpot) and prints the sync status, never the token', async () => {
    const tenant = await newTenant(database.db, 'Tenant HubSpot CLI');
    const env = {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      HUBSPOT_API_URL: fake.url,
      LOG_LEVEL: 'warn',
    };
    const run = (args: string[]) => runLeadline(['hubspot', ...args], env, process.cwd(), 30_000);

    writeFileSync(path.join(dir, 'wrong'), 'pat-eu1-99999999-2222-3333-4444-555555555555\n');
    const refused = await run(['connect', '--tenant', tenant, '--token-file', path.join(dir, 'wrong')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/HubSpot refused this token/);

    writeFileSync(path.join(dir, 'token'), `${FAKE_HUBSPOT_TOKEN}\n`);
    const connected = await run(['connect', '--tenant', tenant, '--token-file', path.join(dir, 'token')]);
    expect(connected.code, connected.stderr).toBe(0);
    expect(connected.stdout).toBe(`connected HubSpot account ${fake.portalId}\n`);

    const status = await run(['status', '--tenant', tenant]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `account ${fake.portalId}; last sync never; 0 synced; 0 waiting; 0 refused`,
    );
    for (const output of [refused, connected, status]) {
      expect(output.stdout + output.stderr).not.toContain(FAKE_HUBSPOT_TOKEN);
    }
  }, 150_000);
});
