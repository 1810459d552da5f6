import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelSecretBox } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ACCESS_TOKEN = 'EAAG-secret-access-token-4242';
const APP_SECRET = 'meta-app-secret-0123456789';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let logs: CapturedLogger;
let ownerA: SignedInMember;
let agentA: SignedInMember;
let adminB: SignedInMember;
let phoneSequence = 0;

function newChannel(overrides: Record<string, unknown> = {}) {
  phoneSequence++;
  return {
    name: 'Sales line',
    phoneNumberId: `30000000000${phoneSequence}`,
    displayPhoneNumber: '+49 30 1234567',
    wabaId: '102290129340398',
    accessToken: ACCESS_TOKEN,
    appSecret: APP_SECRET,
    ...overrides,
  };
}

function call(
  member: { headers: Record<string, string> },
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: Record<string, unknown>,
) {
  return app.inject({ method, url, headers: member.headers, ...(payload === undefined ? {} : { payload }) });
}

async function create(member: SignedInMember, overrides: Record<string, unknown> = {}) {
  const response = await call(member, 'POST', '/api/v1/whatsapp/channels', newChannel(overrides));
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; verifyToken: string; webhookUrl: string; [key: string]: unknown };
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config, logs } = await buildTestApp({ database }));
  const tenantA = await newTenant(database.db, 'Tenant A');
  const tenantB = await newTenant(database.db, 'Tenant B');
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agentA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  adminB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'admin' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('WhatsApp channels API', () => {
  it('creates a channel with its webhook URL and a generated verify token shown once', async () => {
    const created = await create(ownerA);
    expect(created.webhookUrl).toBe(`${config.http.publicUrl}/webhooks/whatsapp/${created.id}`);
    expect(created.verifyToken).toMatch(/^\S{20,}$/);
    expect(created).toMatchObject({
      disabled: false,
      appSecretRotating: false,
      previousAppSecretValidUntil: null,
      messagesPerSecond: 80,
    });

    const fetched = await call(ownerA, 'GET', `/api/v1/whatsapp/channels/${created.id}`);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).not.toHaveProperty('verifyToken');

    // The subscription check works with the token that was shown.
    const verify = await app.inject({
      method: 'GET',
      url: `/webhooks/whatsapp/${created.id}`,
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': created.verifyToken, 'hub.challenge': 'ok' },
    });
    expect(verify.body).toBe('ok');
  });

  it('keeps a caller-chosen verify token and never returns it', async () => {
    const response = await call(
      ownerA,
      'POST',
      '/api/v1/whatsapp/channels',
      newChannel({ verifyToken: 'my-own-verify-token' }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().verifyToken).toBe('my-own-verify-token');
  });

  it('never returns, logs or stores in clear the access token and app secret', async () => {
    const created = await create(ownerA);
    const responses = [
      await call(ownerA, 'GET', `/api/v1/whatsapp/channels/${created.id}`),
      await call(ownerA, 'GET', '/api/v1/whatsapp/channels?limit=100'),
      await call(ownerA, 'PATCH', `/api/v1/whatsapp/channels/${created.id}`, {
        accessToken: `${ACCESS_TOKEN}-new`,
        appSecret: `${APP_SECRET}-new`,
      }),
    ];
    // A new app secret: the old one stays valid for the grace period, and the answer says until when.
    const rotated = responses[2]?.json();
    expect(rotated.appSecretRotating).toBe(true);
    const graceEnds = Date.parse(rotated.previousAppSecretValidUntil);
    expect(Math.abs(graceEnds - (Date.now() + config.whatsapp.appSecretGraceMs))).toBeLessThan(60_000);
    for (const response of [...responses]) {
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(ACCESS_TOKEN);
      expect(response.body).not.toContain(APP_SECRET);
    }
    expect(JSON.stringify(created)).not.toContain(ACCESS_TOKEN);
    expect(logs.text()).not.toContain(ACCESS_TOKEN);
    expect(logs.text()).not.toContain(APP_SECRET);

    const { rows } = await sql<{ row: string; accessTokenSealed: string; appSecretSealed: string }>`
      select c::text as row, access_token_sealed, app_secret_sealed, previous_app_secret_sealed
      from whatsapp_channels c where id = ${created.id}`.execute(database.ownerDb);
    const row = rows[0];
    expect(row?.row).not.toContain(ACCESS_TOKEN);
    expect(row?.row).not.toContain(APP_SECRET);
    const box = channelSecretBox(config);
    expect(row?.accessTokenSealed).toMatch(new RegExp(`^v2\\.${box.keyId}\\.`));
    expect(box.open(row?.accessTokenSealed ?? '')).toBe(`${ACCESS_TOKEN}-new`);
    expect(box.open(row?.appSecretSealed ?? '')).toBe(`${APP_SECRET}-new`);

    const { rows: audit } = await sql<{ action: string; detail: string }>`
      select action, detail::text as detail from audit_log
      where detail->>'channelId' = ${created.id} order by id`.execute(database.ownerDb);
    expect(audit.map((entry) => entry.action)).toEqual([
      'whatsapp_channel.created',
      'whatsapp_channel.updated',
    ]);
    expect(audit[1]?.detail).toContain('appSecret');
    for (const entry of audit) expect(entry.detail).not.toContain(ACCESS_TOKEN);
  });

  it('lists channels newest first with a keyset cursor', async () => {
    const tenant = await newTenant(database.db, 'Tenant paging');
    const owner = await signedInMember(database.db, config, { tenantId: tenant, role: 'owner' });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create(owner)).id);
    const first = await call(owner, 'GET', '/api/v1/whatsapp/channels?limit=2');
    expect(first.json().items.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
    const cursor = first.json().nextCursor;
    const second = await call(owner, 'GET', `/api/v1/whatsapp/channels?limit=2&cursor=${cursor}`);
    expect(second.json()).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
  });

  it('validates input with 400s; a number another workspace connected is no conflict (item 2)', async () => {
    for (const body of [
      newChannel({ phoneNumberId: '12ab' }),
      newChannel({ appSecret: 'short' }),
      newChannel({ name: 'line\nbreak' }),
      { ...newChannel(), extra: true },
      newChannel({ messagesPerSecond: 0 }),
    ]) {
      const response = await call(ownerA, 'POST', '/api/v1/whatsapp/channels', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    const taken = await create(ownerA);
    const again = await call(
      adminB,
      'POST',
      '/api/v1/whatsapp/channels',
      newChannel({
        phoneNumberId: (await call(ownerA, 'GET', `/api/v1/whatsapp/channels/${taken.id}`)).json()
          .phoneNumberId,
      }),
    );
    // Unproven claims block nobody (whatsapp-number-claims.test.ts has the attack).
    expect(again.statusCode).toBe(201);
    expect(again.body).not.toContain(ACCESS_TOKEN);
    const empty = await call(ownerA, 'PATCH', `/api/v1/whatsapp/channels/${taken.id}`, {});
    expect(empty.statusCode).toBe(400);
  });

  it('refuses agents (403) and hides tenant A’s channels from tenant B (404)', async () => {
    const created = await create(ownerA);
    expect((await call(agentA, 'GET', '/api/v1/whatsapp/channels')).statusCode).toBe(403);
    expect((await call(agentA, 'POST', '/api/v1/whatsapp/channels', newChannel())).statusCode).toBe(403);
    expect((await call(agentA, 'POST', `/api/v1/whatsapp/channels/${created.id}/disable`)).statusCode).toBe(
      403,
    );

    for (const [method, url, body] of [
      ['GET', `/api/v1/whatsapp/channels/${created.id}`, undefined],
      ['PATCH', `/api/v1/whatsapp/channels/${created.id}`, { name: 'stolen' }],
      ['POST', `/api/v1/whatsapp/channels/${created.id}/disable`, undefined],
    ] as const) {
      const response = await call(adminB, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const listB = await call(adminB, 'GET', '/api/v1/whatsapp/channels');
    expect(listB.json().items.map((c: { id: string }) => c.id)).not.toContain(created.id);
    const still = await call(ownerA, 'GET', `/api/v1/whatsapp/channels/${created.id}`);
    expect(still.json()).toMatchObject({ name: 'Sales line', disabled: false });
  });

  it('accepts API keys with the admin scope and refuses narrower ones', async () => {
    const issue = async (scopes: string[]) => {
      const response = await call(ownerA, 'POST', '/api/v1/api-keys', { name: `key ${scopes}`, scopes });
      expect(response.statusCode, response.body).toBe(201);
      return { headers: { authorization: `Bearer ${response.json().key}` } };
    };
    const adminKey = await issue(['admin']);
    const readKey = await issue(['messages:read']);
    const viaKey = await call(adminKey, 'POST', '/api/v1/whatsapp/channels', newChannel());
    expect(viaKey.statusCode, viaKey.body).toBe(201);
    expect((await call(readKey, 'GET', '/api/v1/whatsapp/channels')).statusCode).toBe(403);
  });

  it('disables and enables a channel, audited', async () => {
    const created = await create(ownerA);
    const off = await call(ownerA, 'POST', `/api/v1/whatsapp/channels/${created.id}/disable`);
    expect(off.json().disabled).toBe(true);
    const on = await call(ownerA, 'POST', `/api/v1/whatsapp/channels/${created.id}/enable`);
    expect(on.json().disabled).toBe(false);
    const { rows } = await sql<{ action: string }>`
      select action from audit_log where detail->>'channelId' = ${created.id} order by id`.execute(
      database.ownerDb,
    );
    expect(rows.map((row) => row.action)).toEqual([
      'whatsapp_channel.created',
      'whatsapp_channel.disabled',
      'whatsapp_channel.enabled',
    ]);
  });
});

describe('leadline channel (CLI)', () => {
  it('adds a channel from secret files and lists it; bad input exits 1 without echoing secrets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadline-channel-cli-'));
    try {
      const tenant = await newTenant(database.db, 'Tenant CLI');
      writeFileSync(path.join(dir, 'token'), `${ACCESS_TOKEN}\n`);
      writeFileSync(path.join(dir, 'secret'), `${APP_SECRET}\n`);
      writeFileSync(path.join(dir, 'bad-secret'), 'has spaces in it\n');
      const env = {
        NODE_ENV: 'test',
        SECRET_KEY: TEST_SECRET_KEY,
        DATA_DIR: path.join(dir, 'data'),
        DATABASE_URL: database.ownerUrl,
        DATABASE_APP_URL: database.appUrl,
        PUBLIC_URL: 'https://leads.example.com',
        LOG_LEVEL: 'warn',
      };
      const common = [
        '--tenant',
        tenant,
        '--name',
        'CLI line',
        '--display-number',
        '+49 30 555',
        '--waba-id',
        '77',
      ];
      const added = await runLeadline(
        [
          'channel',
          'add',
          ...common,
          '--phone-number-id',
          '399000000001',
          '--access-token-file',
          path.join(dir, 'token'),
          '--app-secret-file',
          path.join(dir, 'secret'),
        ],
        env,
        process.cwd(),
        30_000,
      );
      expect(added.code, added.stderr).toBe(0);
      const id = /created channel ([0-9a-f-]{36})/.exec(added.stdout)?.[1];
      expect(id).toBeDefined();
      expect(added.stdout).toContain(`webhook URL:  https://leads.example.com/webhooks/whatsapp/${id}`);
      expect(added.stdout).toMatch(/verify token: \S{20,} \(shown only now\)/);
      expect(added.stdout + added.stderr).not.toContain(APP_SECRET);

      const listed = await runLeadline(['channel', 'list', '--tenant', tenant], env, process.cwd(), 30_000);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.trim().split('\n')).toEqual([
        `${id}\t399000000001\t+49 30 555\tenabled\thttps://leads.example.com/webhooks/whatsapp/${id}\tCLI line`,
      ]);
      // Row-level security binds the CLI too: another tenant lists nothing.
      const other = await runLeadline(
        ['channel', 'list', '--tenant', ownerA.tenantId],
        env,
        process.cwd(),
        30_000,
      );
      expect(other.stdout).not.toContain(String(id));

      const bad = await runLeadline(
        [
          'channel',
          'add',
          ...common,
          '--phone-number-id',
          '399000000002',
          '--access-token-file',
          path.join(dir, 'token'),
          '--app-secret-file',
          path.join(dir, 'bad-secret'),
        ],
        env,
        process.cwd(),
        30_000,
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/appSecret: must be printable ASCII/);
      expect(bad.stderr).not.toContain('has spaces in it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Four CLI processes, each starting Node with TypeScript: 5 s or more apiece on a busy two-core machine.
  }, 90_000);
});
