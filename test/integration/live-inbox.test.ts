import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import type { Metrics } from '../../src/platform/metrics/metrics.js';
import { INBOX_EVENTS_CHANNEL, type InboxEvent, publishInboxEvent } from '../../src/realtime/inbox-events.js';
import { delay } from '../fixtures/leadline-process.js';
import { buildTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { LiveRefused, openLive } from '../support/live-client.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ORIGIN = 'https://inbox.leadline.test';
const ENV = { PUBLIC_URL: ORIGIN, LIVE_SESSION_RECHECK_SECONDS: '1', LIVE_MAX_BUFFERED_BYTES: '4096' };

let database: TestDatabase;
let app: FastifyInstance;
let metrics: Metrics;
let baseUrl: string;
let tenantA: string;
let tenantB: string;
let memberA: SignedInMember;
let memberB: SignedInMember;

const browser = (member: SignedInMember, origin = ORIGIN) => ({
  cookie: member.headers.cookie as string,
  origin,
});
const messageCreated = (): Extract<InboxEvent, { type: 'message.created' }> => ({
  type: 'message.created',
  conversationId: randomUUID(),
  messageId: randomUUID(),
});

async function listen(instance: FastifyInstance): Promise<string> {
  await instance.listen({ host: '127.0.0.1', port: 0 });
  const address = instance.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, metrics } = await buildTestApp({ database, env: ENV }));
  baseUrl = await listen(app);
  tenantA = await newTenant(database.db);
  tenantB = await newTenant(database.db);
  const config = testConfig(ENV);
  memberA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  memberB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'agent' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('the live inbox channel', () => {
  it('delivers an event only to the sockets of its tenant', async () => {
    const a = await openLive(baseUrl, browser(memberA));
    const b = await openLive(baseUrl, browser(memberB));
    try {
      expect((await metrics.liveSockets.get()).values[0]?.value).toBe(2);
      const forA = messageCreated();
      const forB = messageCreated();
      await withTenant(database.db, tenantA, (trx) => publishInboxEvent(trx, forA));
      await withTenant(database.db, tenantB, (trx) => publishInboxEvent(trx, forB));
      expect(await a.next((frame) => frame.type === 'message.created')).toEqual(forA);
      expect(await b.next((frame) => frame.type === 'message.created')).toEqual(forB);
      // B's event, committed after A's, has reached B: A's stream would have it by now if it leaked.
      const last = messageCreated();
      await withTenant(database.db, tenantA, (trx) => publishInboxEvent(trx, last));
      await a.next((frame) => frame.messageId === last.messageId);
      expect(a.frames.map((frame) => frame.messageId)).not.toContain(forB.messageId);
      expect(b.frames.map((frame) => frame.messageId)).not.toContain(forA.messageId);
    } finally {
      a.close();
      b.close();
    }
  });

  it('delivers events at commit, never those of a rolled-back transaction', async () => {
    const a = await openLive(baseUrl, browser(memberA));
    try {
      const held = messageCreated();
      const committed = messageCreated();
      const rolledBack = messageCreated();
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const holding = withTenant(database.db, tenantA, async (trx) => {
        await publishInboxEvent(trx, held);
        await released;
      });
      await expect(
        withTenant(database.db, tenantA, async (trx) => {
          await publishInboxEvent(trx, rolledBack);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await withTenant(database.db, tenantA, (trx) => publishInboxEvent(trx, committed));
      await a.next((frame) => frame.messageId === committed.messageId);
      // The held transaction has not committed: its event is not there although a later one is.
      expect(a.frames.map((frame) => frame.messageId)).not.toContain(held.messageId);
      release();
      await holding;
      await a.next((frame) => frame.messageId === held.messageId);
      const ids = a.frames.map((frame) => frame.messageId);
      expect(ids.indexOf(committed.messageId)).toBeLessThan(ids.indexOf(held.messageId));
      expect(ids).not.toContain(rolledBack.messageId);
    } finally {
      a.close();
    }
  });

  it('refuses a page of another origin before upgrading', async () => {
    const refused = await openLive(baseUrl, browser(memberA, 'https://evil.example')).catch((error) => error);
    expect(refused).toBeInstanceOf(LiveRefused);
    expect((refused as LiveRefused).status).toBe(403);
    const noOrigin = await openLive(baseUrl, { cookie: memberA.headers.cookie as string }).catch(
      (error) => error,
    );
    expect((noOrigin as LiveRefused).status).toBe(403);
  });

  it('refuses a browser without a session cookie', async () => {
    const refused = await openLive(baseUrl, { origin: ORIGIN }).catch((error) => error);
    expect(refused).toBeInstanceOf(LiveRefused);
    expect((refused as LiveRefused).status).toBe(401);
  });

  it('closes the socket of a user who is disabled while connected', async () => {
    const config = testConfig(ENV);
    const member = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
    const live = await openLive(baseUrl, browser(member));
    await database.ownerDb
      .updateTable('users')
      .set({ disabledAt: new Date() })
      .where('id', '=', member.userId)
      .execute();
    expect(await live.closed).toBe(4001);
  });

  it('closes the socket when its session switches to another workspace', async () => {
    const member = await signedInMember(database.db, testConfig(ENV), { tenantId: tenantA, role: 'agent' });
    await withTenant(database.db, tenantB, (trx) =>
      trx.insertInto('memberships').values({ userId: member.userId, role: 'agent' }).execute(),
    );
    const live = await openLive(baseUrl, browser(member));
    const switched = await fetch(`${baseUrl}/api/v1/auth/switch-tenant`, {
      method: 'POST',
      headers: { ...member.headers, origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: tenantB }),
    });
    expect(switched.status).toBe(200);
    expect(await live.closed).toBe(4001);
  });

  it('re-listens after losing its database connection and tells sockets to resync', async () => {
    const live = await openLive(baseUrl, browser(memberA));
    try {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
                where application_name = 'leadline-test-live' and datname = current_database()`.execute(
        database.ownerDb,
      );
      await live.next((frame) => frame.type === 'resync', 0, 15_000);
      const after = messageCreated();
      await withTenant(database.db, tenantA, (trx) => publishInboxEvent(trx, after));
      expect(await live.next((frame) => frame.messageId === after.messageId)).toEqual(after);
    } finally {
      live.close();
    }
  });

  it('fans out across server processes sharing one database', async () => {
    const { app: second } = await buildTestApp({ database, env: ENV });
    const secondUrl = await listen(second);
    const one = await openLive(baseUrl, browser(memberA));
    const two = await openLive(secondUrl, browser(memberA));
    try {
      const event = messageCreated();
      await withTenant(database.db, tenantA, (trx) => publishInboxEvent(trx, event));
      expect(await one.next((frame) => frame.messageId === event.messageId)).toEqual(event);
      expect(await two.next((frame) => frame.messageId === event.messageId)).toEqual(event);
    } finally {
      one.close();
      two.close();
      await second.close();
    }
  });

  it('drops a client that stops reading (4008) and counts it', async () => {
    const slow = await openLive(baseUrl, browser(memberA));
    const dropped = async () =>
      (await metrics.liveSlowClientsDropped.get()).values.reduce((sum, value) => sum + value.value, 0);
    const before = await dropped();
    // A client that stops reading: its kernel buffers fill, then the server's own send buffer grows.
    const raw = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    for (let round = 0; round < 20 && (await dropped()) === before; round += 1) {
      await withTenant(database.db, tenantA, (trx) =>
        sql`select pg_notify(${INBOX_EVENTS_CHANNEL}, json_build_object(
              'tenantId', current_setting('app.tenant_id'),
              'event', json_build_object('type', 'conversation.updated', 'conversationId', gen_random_uuid())
            )::text)
            from generate_series(1, 5000)`.execute(trx),
      );
      await delay(200);
    }
    expect(await dropped()).toBe(before + 1);
    raw.resume();
    expect(await slow.closed).toBe(4008);
  });
});

describe('access changes close live sockets at once, across server processes', () => {
  // The periodic re-check is an hour away: only the access-change announcement can close these sockets.
  const SLOW_RECHECK = { ...ENV, LIVE_SESSION_RECHECK_SECONDS: '3600' };
  let acting: FastifyInstance;
  let serving: FastifyInstance;
  let servingUrl: string;

  beforeAll(async () => {
    ({ app: acting } = await buildTestApp({ database, env: SLOW_RECHECK }));
    ({ app: serving } = await buildTestApp({ database, env: SLOW_RECHECK }));
    servingUrl = await listen(serving);
  });

  afterAll(async () => {
    await acting?.close();
    await serving?.close();
  });

  /** Resolves with the close code, or 'open' if the socket is still open after `withinMs`. */
  const closedWithin = (closed: Promise<number>, withinMs = 5_000) =>
    Promise.race([closed, delay(withinMs).then(() => 'open' as const)]);

  it('turning on "require two-factor" closes the sockets of members without it', async () => {
    const tenant = await newTenant(database.db);
    const config = testConfig(SLOW_RECHECK);
    const owner = await signedInMember(database.db, config, { tenantId: tenant, role: 'owner' });
    await database.ownerDb
      .updateTable('users')
      .set({ totpEnabledAt: new Date() })
      .where('id', '=', owner.userId)
      .execute();
    const member = await signedInMember(database.db, config, { tenantId: tenant, role: 'agent' });
    const ownerLive = await openLive(servingUrl, browser(owner));
    const memberLive = await openLive(servingUrl, browser(member));
    try {
      const changed = await acting.inject({
        method: 'PATCH',
        url: '/api/v1/tenant/security',
        headers: owner.headers,
        payload: { requireTwoFactor: true },
      });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(await closedWithin(memberLive.closed)).toBe(4001);
      // The owner, who uses two-factor authentication, keeps theirs.
      expect(await closedWithin(ownerLive.closed, 500)).toBe('open');
    } finally {
      ownerLive.close();
      memberLive.close();
    }
  });

  it('signing out closes that session’s sockets', async () => {
    const member = await signedInMember(database.db, testConfig(SLOW_RECHECK), {
      tenantId: tenantA,
      role: 'agent',
    });
    const live = await openLive(servingUrl, browser(member));
    const out = await acting.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: member.headers });
    expect(out.statusCode).toBe(204);
    expect(await closedWithin(live.closed)).toBe(4001);
  });

  it('removal from the workspace closes the removed member’s sockets', async () => {
    const config = testConfig(SLOW_RECHECK);
    const owner = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
    const member = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
    const live = await openLive(servingUrl, browser(member));
    const removed = await acting.inject({
      method: 'DELETE',
      url: `/api/v1/members/${member.userId}`,
      headers: owner.headers,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(await closedWithin(live.closed)).toBe(4001);
  });
});
