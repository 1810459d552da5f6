import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { WebhookChannels } from '../../src/channels/whatsapp/webhook-channels.js';
import type { Config } from '../../src/platform/config/config.js';
import { createDb, createPool } from '../../src/platform/db/database.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Webhook requests that name no channel: after the first, an id costs no database query (a negative
 * cache), and each client IP may name only so many unknown ids a minute (then 429 with Retry-After).
 * Queries are counted on the application pool the app really uses: every statement checks out a client.
 */

const UNKNOWN_PER_MINUTE = 20;
let database: TestDatabase;
let pool: pg.Pool;
let app: FastifyInstance;
let config: Config;
let checkouts = 0;
let channelId: string;
let verifyToken: string;
const CONTEXT = { requestId: 'unknown-webhooks', ip: '127.0.0.1', userAgent: 'vitest' };

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.appUrl, max: 4, applicationName: 'leadline-test-counted' });
  pool.on('acquire', () => checkouts++);
  ({ app, config } = await buildTestApp({
    database: { ...database, db: createDb(pool) },
    env: { RATE_LIMIT_WEBHOOK_UNKNOWN_PER_MINUTE: String(UNKNOWN_PER_MINUTE) },
  }));
  const tenantId = await newTenant(database.db);
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Line',
      phoneNumberId: '330000000001',
      displayPhoneNumber: '+1 555 000 0000',
      wabaId: '102290129340398',
      accessToken: 'EAAG-unknown-token',
      appSecret: 'unknown-app-secret',
    },
  );
  channelId = created.channel.id;
  verifyToken = created.verifyToken;
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await database?.drop();
});

const verify = (id: string, ip: string) =>
  app.inject({
    method: 'GET',
    url: `/webhooks/whatsapp/${id}`,
    query: { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '42' },
    remoteAddress: ip,
  });
const deliver = (id: string, ip: string) =>
  app.inject({
    method: 'POST',
    url: `/webhooks/whatsapp/${id}`,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    payload: '{"object":"whatsapp_business_account","entry":[]}',
    remoteAddress: ip,
  });

describe('webhooks for unknown channel ids', () => {
  it('cost one query for the first request of an id and none for the next ones', async () => {
    const id = randomUUID();
    const before = checkouts;
    for (let i = 0; i < UNKNOWN_PER_MINUTE; i++) {
      // A different client each time: the negative cache, not the rate limit, saves the queries.
      const response = await (i % 2 ? verify : deliver)(id, `198.51.100.${i + 1}`);
      expect(response.statusCode).toBe(404);
      // Halfway, wait out the 2-second cache of known channels: an unknown id is remembered longer.
      if (i === UNKNOWN_PER_MINUTE / 2) await new Promise((resolve) => setTimeout(resolve, 2_100));
    }
    expect(checkouts - before).toBe(1);
  });

  it('are limited per client IP: 429 with Retry-After, no query once over the limit', async () => {
    const ip = '203.0.113.77';
    expect((await verify(channelId, '192.0.2.250')).statusCode).toBe(200);
    for (let i = 0; i < UNKNOWN_PER_MINUTE; i++) {
      expect((await deliver(randomUUID(), ip)).statusCode).toBe(404);
    }
    const before = checkouts;
    for (let i = 0; i < 50; i++) {
      const response = await (i % 2 ? verify : deliver)(randomUUID(), ip);
      expect(response.statusCode).toBe(429);
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(response.json().error.code).toBe('rate_limited');
    }
    expect(checkouts - before).toBe(0);
    // Another client is not affected, and a channel this process has served stays reachable from this one.
    expect((await deliver(randomUUID(), '203.0.113.78')).statusCode).toBe(404);
    expect((await verify(channelId, ip)).statusCode).toBe(200);
  });

  it('a disabled channel answers 404 without using up the client IP’s budget', async () => {
    const tenantId = await newTenant(database.db);
    const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
    const { channel } = await createChannel(
      database.db,
      config,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      {
        name: 'Disabled',
        phoneNumberId: '330000000009',
        displayPhoneNumber: '+1 555 000 0009',
        wabaId: '102290129340398',
        accessToken: 'EAAG-unknown-token',
        appSecret: 'unknown-app-secret',
      },
    );
    await database.ownerDb
      .updateTable('whatsappChannels')
      .set({ disabledAt: new Date() })
      .where('id', '=', channel.id)
      .execute();
    const ip = '203.0.113.120';
    for (let i = 0; i < UNKNOWN_PER_MINUTE * 2; i++) {
      expect((await deliver(channel.id, ip)).statusCode).toBe(404);
    }
    expect((await deliver(randomUUID(), ip)).statusCode).toBe(404);
  });

  it('ids that are not UUIDs count against the limit too, and never reach the database', async () => {
    const ip = '203.0.113.90';
    const before = checkouts;
    const statuses: number[] = [];
    for (let i = 0; i < UNKNOWN_PER_MINUTE + 5; i++)
      statuses.push((await verify(`probe-${i}`, ip)).statusCode);
    expect(statuses.slice(0, UNKNOWN_PER_MINUTE).every((status) => status === 404)).toBe(true);
    expect(statuses.slice(UNKNOWN_PER_MINUTE).every((status) => status === 429)).toBe(true);
    expect(checkouts - before).toBe(0);
  });

  it('leave a known channel served, from any client, without a query per request', async () => {
    expect((await verify(channelId, '192.0.2.1')).statusCode).toBe(200);
    const before = checkouts;
    for (let i = 0; i < 50; i++) {
      const response = await verify(channelId, `192.0.2.${(i % 200) + 2}`);
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('42');
    }
    // The 2-second positive cache may expire once during the loop on a slow machine.
    expect(checkouts - before).toBeLessThanOrEqual(1);
  });
});

describe('the negative cache', () => {
  it('forgets an id when a channel is created with it', async () => {
    const channels = new WebhookChannels(database.db, config);
    const tenantId = await newTenant(database.db);
    const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
    const id = randomUUID();
    expect(await channels.find(id)).toBeUndefined();
    const { channel } = await createChannel(
      database.db,
      config,
      tenantId,
      { userId: owner.userId, apiKeyId: null, context: CONTEXT },
      {
        name: 'Later',
        phoneNumberId: '330000000002',
        displayPhoneNumber: '+1 555 000 0001',
        wabaId: '102290129340398',
        accessToken: 'EAAG-unknown-token',
        appSecret: 'unknown-app-secret',
      },
    );
    // The new channel takes the probed id (as if its random id had been guessed before it existed).
    await database.ownerDb.updateTable('whatsappChannels').set({ id }).where('id', '=', channel.id).execute();
    expect(await channels.find(id)).toBeUndefined();
    channels.invalidate(id);
    expect((await channels.find(id))?.id).toBe(id);
  });

  it('is bounded: the oldest id is forgotten first', async () => {
    const channels = new WebhookChannels(createDb(pool), config, 3);
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const before = checkouts;
    for (const id of ids) expect(await channels.find(id)).toBeUndefined();
    expect(checkouts - before).toBe(4);
    // The newest three are still remembered; the first was evicted and costs a query again.
    for (const id of ids.slice(1)) await channels.find(id);
    expect(checkouts - before).toBe(4);
    await channels.find(ids[0] as string);
    expect(checkouts - before).toBe(5);
  });
});
