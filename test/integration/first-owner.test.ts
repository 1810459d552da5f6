import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceDevelopmentSetup,
  createWorkspaceWithOwnerInvitation,
  DEVELOPMENT_OWNER_EMAIL,
} from '../../src/tenants/first-owner.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY, testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PUBLIC_URL = 'https://leadline.example.test';
const PASSWORD = 'a long and uncommon passphrase 7';

let database: TestDatabase;
let app: FastifyInstance;
let cwd: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app } = await buildTestApp({ database, env: { PUBLIC_URL } }));
  cwd = mkdtempSync(path.join(tmpdir(), 'leadline-first-owner-'));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runLeadline(
    args,
    {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      DATA_DIR: path.join(cwd, 'data'),
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      PUBLIC_URL,
      LOG_LEVEL: 'warn',
    },
    cwd,
    60_000,
  );
}

const countUsers = async () =>
  Number(
    (
      await database.ownerDb
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('first owner', () => {
  it('V6.3.2 a freshly migrated database has no account at all (no default administrator)', async () => {
    expect(await countUsers()).toBe(0);
    expect(await database.ownerDb.selectFrom('memberships').selectAll().execute()).toEqual([]);
  });

  it('V6.3.2 `admin create-owner` prints a one-time link; the owner sets their own password through it', async () => {
    const result = await cli([
      'admin',
      'create-owner',
      '--email',
      'Founder@Example.com',
      '--workspace',
      'Acme Sales',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const match = new RegExp(`${PUBLIC_URL}/accept-invitation#token=([A-Za-z0-9_-]+)`).exec(result.stdout);
    expect(match, result.stdout).not.toBeNull();
    const token = match![1]!;
    // Nothing can sign in yet: there is no account and no password until the link is used.
    expect(await countUsers()).toBe(0);

    const accepted = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token, password: PASSWORD, displayName: 'Founder' },
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().role).toBe('owner');
    const user = await database.ownerDb
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'founder@example.com')
      .executeTakeFirstOrThrow();
    const tenant = await database.ownerDb
      .selectFrom('tenants')
      .select('name')
      .where('id', '=', accepted.json().tenantId)
      .executeTakeFirstOrThrow();
    expect(tenant.name).toBe('Acme Sales');
    expect(user.id).toBe(accepted.json().userId);

    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token, password: PASSWORD },
    });
    expect(again.statusCode).toBe(400);
  });

  it('`admin create-owner` refuses an invalid address or workspace name and creates nothing', async () => {
    const tenantsBefore = await database.ownerDb.selectFrom('tenants').select('id').execute();
    for (const args of [
      ['--email', 'not-an-address', '--workspace', 'X'],
      ['--email', 'ok@example.com', '--workspace', ''],
      ['--email', 'ok@example.com'],
    ]) {
      const result = await cli(['admin', 'create-owner', ...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
    }
    expect(await database.ownerDb.selectFrom('tenants').select('id').execute()).toHaveLength(
      tenantsBefore.length,
    );
  });
});

describe('development setup link', () => {
  it('is logged at a development start while no account exists, and works once', async () => {
    const fresh = await createTestDatabase();
    const devApp = await buildTestApp({ database: fresh, env: { PUBLIC_URL } });
    try {
      const logs = captureLogger();
      const setup = await announceDevelopmentSetup(
        fresh.db,
        testConfig({ NODE_ENV: 'development', PUBLIC_URL }),
        logs.logger,
      );
      expect(setup).toBeDefined();
      expect(logs.text()).toContain(setup!.link);
      const token = setup!.link.split('#token=')[1];
      const accepted = await devApp.app.inject({
        method: 'POST',
        url: '/api/v1/invitations/accept',
        payload: { token, password: PASSWORD },
      });
      expect(accepted.statusCode, accepted.body).toBe(201);
      const owner = await fresh.ownerDb
        .selectFrom('users')
        .select('email')
        .where('id', '=', accepted.json().userId)
        .executeTakeFirstOrThrow();
      expect(owner.email).toBe(DEVELOPMENT_OWNER_EMAIL);

      // Once an account exists, later starts print nothing.
      const later = captureLogger();
      expect(
        await announceDevelopmentSetup(
          fresh.db,
          testConfig({ NODE_ENV: 'development', PUBLIC_URL }),
          later.logger,
        ),
      ).toBeUndefined();
      expect(later.lines).toEqual([]);
    } finally {
      await devApp.app.close();
      await fresh.drop();
    }
  });

  it('stops working once any owner exists, and is no longer logged', async () => {
    const fresh = await createTestDatabase();
    const devApp = await buildTestApp({ database: fresh, env: { PUBLIC_URL } });
    const development = testConfig({ NODE_ENV: 'development', PUBLIC_URL });
    const accept = (link: string) =>
      devApp.app.inject({
        method: 'POST',
        url: '/api/v1/invitations/accept',
        payload: { token: link.split('#token=')[1], password: PASSWORD },
      });
    try {
      // Two starts before anyone set up: two links.
      const first = await announceDevelopmentSetup(fresh.db, development, captureLogger().logger);
      const second = await announceDevelopmentSetup(fresh.db, development, captureLogger().logger);
      // A real owner appears another way (here: `admin create-owner`'s invitation, accepted).
      const real = await createWorkspaceWithOwnerInvitation(fresh.db, development, {
        email: 'real-owner@example.com',
        workspaceName: 'Real',
        requestId: 'test',
      });
      expect((await accept(real.link)).statusCode).toBe(201);

      for (const setup of [first!, second!]) {
        const refused = await accept(setup.link);
        expect(refused.statusCode).toBe(400);
      }
      expect(
        await fresh.ownerDb
          .selectFrom('users')
          .select('email')
          .where('email', '=', DEVELOPMENT_OWNER_EMAIL)
          .execute(),
      ).toEqual([]);
      const later = captureLogger();
      expect(await announceDevelopmentSetup(fresh.db, development, later.logger)).toBeUndefined();
      expect(later.lines).toEqual([]);
    } finally {
      await devApp.app.close();
      await fresh.drop();
    }
  });

  it('is never created outside development', async () => {
    const fresh = await createTestDatabase();
    try {
      for (const env of [{ NODE_ENV: 'test' }, { NODE_ENV: 'production', PUBLIC_URL }] as Record<
        string,
        string
      >[]) {
        const logs = captureLogger();
        expect(await announceDevelopmentSetup(fresh.db, testConfig(env), logs.logger)).toBeUndefined();
        expect(logs.lines).toEqual([]);
      }
      expect(await fresh.ownerDb.selectFrom('tenants').select('id').execute()).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });
});
