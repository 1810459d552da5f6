import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTwilio, startFakeTwilio } from '../fakes/twilio.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('leadline twilio (CLI)', () => {
  let database: TestDatabase;
  let twilio: FakeTwilio;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    twilio = await startFakeTwilio();
    dir = mkdtempSync(path.join(tmpdir(), 'leadline-twilio-cli-'));
  });
  afterAll(async () => {
    await twilio?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects from a secret file (checked with Twilio), prints the status and numbers, never the token', async () => {
    const account = twilio.addAccount();
    const tenant = await newTenant(database.db, 'Tenant Twilio CLI');
    const env = {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      TWILIO_API_URL: twilio.url,
      OUTBOUND_ALLOW_PRIVATE_HOSTS: twilio.hostPort,
      LOG_LEVEL: 'warn',
    };
    const run = (args: string[]) => runLeadline(['twilio', ...args], env, process.cwd(), 30_000);

    const before = await run(['status', '--tenant', tenant]);
    expect([before.code, before.stdout.trim()]).toEqual([1, 'not connected']);

    writeFileSync(path.join(dir, 'wrong'), `${'0'.repeat(32)}\n`);
    const refused = await run([
      'connect',
      '--tenant',
      tenant,
      '--account-sid',
      account.accountSid,
      '--auth-token-file',
      path.join(dir, 'wrong'),
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/refused these credentials/);

    writeFileSync(path.join(dir, 'token'), `${account.authToken}\n`);
    const connected = await run([
      'connect',
      '--tenant',
      tenant,
      '--account-sid',
      account.accountSid,
      '--auth-token-file',
      path.join(dir, 'token'),
    ]);
    expect(connected.code, connected.stderr).toBe(0);
    expect(connected.stdout).toContain(
      `connected ${account.accountSid} (Leadline test account); 1 number(s)`,
    );
    const status = await run(['status', '--tenant', tenant]);
    expect(status.stdout).toMatch(new RegExp(`^${account.accountSid}\\tauth-token\\t`));
    const numbers = await run(['numbers', '--tenant', tenant]);
    expect(numbers.stdout).toMatch(/\t\+390212345678\tvoice\tsms\n$/);
    for (const output of [connected, status, numbers])
      expect(output.stdout + output.stderr).not.toContain(account.authToken);
  }, 180_000);
});
