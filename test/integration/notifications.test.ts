import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { recordInboundActivity } from '../../src/conversations/conversations.repository.js';
import { changeOwnership, readConversation } from '../../src/conversations/ownership.service.js';
import { wakeSnoozedTask } from '../../src/conversations/snooze.js';
import { notify } from '../../src/notifications/notify.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { markOffline, markOnline } from '../../src/realtime/presence.js';
import { moveCallback } from '../../src/widgets/callbacks.repository.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { buildTestApp } from '../support/app.js';
import { listenToInbox, seedConversation } from '../support/inbox-fixtures.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { runTask } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Notifications end to end against PostgreSQL: every producer (handoff, assignment, lead qualified, quote
 * awaiting approval, missed call-back, @mention), preferences, the API, auto-assignment's round robin among
 * members online, snooze and bulk actions.
 */

const CONTEXT = { requestId: 'notifications-test', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let logs: CapturedLogger;
let tenantId: string;
let otherTenantId: string;
let owner: SignedInMember;
let admin: SignedInMember;
let agentA: SignedInMember;
let agentB: SignedInMember;
let outsider: SignedInMember;
let channelId: string;
let seq = 0;

interface Item {
  id: string;
  kind: string;
  subject: { type: string; id: string };
  title: string;
  readAt: string | null;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config, logs } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Notifications');
  otherTenantId = await newTenant(database.db, 'Elsewhere');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agentA = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  agentB = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  outsider = await signedInMember(database.db, config, { tenantId: otherTenantId, role: 'owner' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Notifications line',
      phoneNumberId: '106540352247001',
      displayPhoneNumber: '+1 555 078 7001',
      wabaId: '102290129347001',
      accessToken: 'EAAG-notifications-token',
      appSecret: 'app-secret-notifications-0001',
    },
  );
  channelId = channel.id;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

function call(method: 'GET' | 'POST' | 'PUT', url: string, member: SignedInMember, payload?: object) {
  return app.inject({ method, url, headers: member.headers, ...(payload ? { payload } : {}) });
}

async function conversation(name: string) {
  seq += 1;
  return seedConversation(
    database.db,
    tenantId,
    channelId,
    { phoneE164: `+3933300${String(seq).padStart(5, '0')}`, displayName: name },
    [{ direction: 'inbound', text: `Hello, I am ${name}`, sentAt: new Date() }],
  );
}

async function notificationsOf(member: SignedInMember, query = ''): Promise<Item[]> {
  const response = await call('GET', `/api/v1/notifications?limit=100${query}`, member);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

async function handOff(conversationId: string) {
  await withTenant(database.db, tenantId, async (trx) => {
    const found = await readConversation(trx, conversationId);
    if (!found) throw new Error('no conversation');
    await changeOwnership(trx, found, {
      target: { to: 'human' },
      actor: { type: 'customer' },
      reason: 'customer asked for a person',
    });
  });
}

async function assigneeOf(conversationId: string): Promise<string | null> {
  return withTenant(database.db, tenantId, async (trx) => {
    const row = await trx
      .selectFrom('conversations')
      .select('assigneeUserId')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    return row.assigneeUserId;
  });
}

describe('producers', () => {
  it('a handoff notifies every member (nobody assigned), live and only to each member', async () => {
    const listener = await listenToInbox(database.appUrl);
    try {
      const { conversationId } = await conversation('Grace Hopper');
      await handOff(conversationId);
      for (const member of [owner, admin, agentA, agentB]) {
        const items = await notificationsOf(member);
        expect(items[0]).toMatchObject({
          kind: 'handoff',
          subject: { type: 'conversation', id: conversationId },
          title: 'Grace Hopper was handed to a person',
          readAt: null,
        });
      }
      const event = await listener.waitFor(
        (n) => n.event.type === 'notification.created' && n.event.userId === agentA.userId,
      );
      expect(event.tenantId).toBe(tenantId);
      // Ids only on the wire: no title, no name.
      expect(JSON.stringify(event)).not.toContain('Grace');
      expect(await notificationsOf(outsider)).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it('an operator taking over is not a handoff; a second identical notify is recorded once', async () => {
    const { conversationId } = await conversation('Quiet Takeover');
    const before = (await notificationsOf(agentA)).length;
    expect(
      (await call('PUT', `/api/v1/conversations/${conversationId}/ownership`, admin, { ownership: 'human' }))
        .statusCode,
    ).toBe(200);
    expect((await notificationsOf(agentA)).length).toBe(before);
    for (let i = 0; i < 2; i += 1) {
      await withTenant(database.db, tenantId, (trx) =>
        notify(trx, {
          kind: 'automation',
          userIds: [agentA.userId, agentA.userId, outsider.userId],
          subject: { type: 'conversation', id: conversationId },
          title: 'An automation needs you',
          dedupeKey: `automation:${conversationId}`,
        }),
      );
    }
    const items = await notificationsOf(agentA);
    expect(items.filter((item) => item.kind === 'automation')).toHaveLength(1);
    expect(await notificationsOf(outsider)).toEqual([]);
  });

  it('assignment notifies the assignee, not the member who assigned themselves', async () => {
    const { conversationId } = await conversation('Alan Turing');
    const assigned = await call('PUT', `/api/v1/conversations/${conversationId}/assignee`, admin, {
      userId: agentB.userId,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect((await notificationsOf(agentB))[0]).toMatchObject({
      kind: 'assigned',
      title: 'Alan Turing was assigned to you',
      subject: { type: 'conversation', id: conversationId },
    });
    const { conversationId: mine } = await conversation('Self Assigned');
    const before = (await notificationsOf(agentA)).filter((item) => item.kind === 'assigned').length;
    await call('PUT', `/api/v1/conversations/${mine}/assignee`, agentA, { userId: agentA.userId });
    expect((await notificationsOf(agentA)).filter((item) => item.kind === 'assigned').length).toBe(before);
  });

  it('an @mention in a private note notifies the member named (by e-mail or display name), not the author', async () => {
    const { conversationId } = await conversation('Mention Case');
    await withTenant(database.db, tenantId, (trx) =>
      trx.updateTable('users').set({ displayName: 'Bea Agent' }).where('id', '=', agentB.userId).execute(),
    );
    const emailA = await withTenant(
      database.db,
      tenantId,
      async (trx) =>
        (
          await trx
            .selectFrom('users')
            .select('email')
            .where('id', '=', agentA.userId)
            .executeTakeFirstOrThrow()
        ).email,
    );
    const note = await call('POST', `/api/v1/conversations/${conversationId}/notes`, agentA, {
      text: `@${emailA} and @bea agent, please call back. @nobody@example.com`,
    });
    expect(note.statusCode, note.body).toBe(201);
    expect((await notificationsOf(agentB))[0]).toMatchObject({ kind: 'mention' });
    expect((await notificationsOf(agentB))[0]?.title).toMatch(/mentioned you in a note on Mention Case/);
    expect((await notificationsOf(agentA)).some((item) => item.kind === 'mention')).toBe(false);
    // "@bea" alone is not "@bea agent".
    const { conversationId: other } = await conversation('Partial Mention');
    await call('POST', `/api/v1/conversations/${other}/notes`, admin, { text: 'ask @bea about it' });
    expect((await notificationsOf(agentB)).filter((item) => item.kind === 'mention')).toHaveLength(1);
  });

  it('a lead that qualifies notifies its owner, with the conversation as subject', async () => {
    const { conversationId, contactId } = await conversation('Lead Qualifies');
    const owned = await call('PATCH' as 'PUT', `/api/v1/contacts/${contactId}`, admin, {
      ownerUserId: agentA.userId,
    });
    expect(owned.statusCode, owned.body).toBe(200);
    const completed = await call('PATCH' as 'PUT', `/api/v1/contacts/${contactId}`, admin, {
      firstName: 'Ada',
      lastName: 'Byron',
      company: 'Engines Ltd',
      email: 'ada@example.com',
    });
    expect(completed.statusCode, completed.body).toBe(200);
    const items = (await notificationsOf(agentA)).filter((item) => item.kind === 'lead_qualified');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      title: 'Ada Byron is a qualified lead',
      subject: { type: 'conversation', id: conversationId },
    });
    expect((await notificationsOf(agentB)).some((item) => item.kind === 'lead_qualified')).toBe(false);
  });

  it('a quote sent to approval notifies the approvers (owners and admins), not agents or the submitter', async () => {
    const { conversationId } = await conversation('Quote Customer');
    const item = await call('POST', '/api/v1/catalog/items', admin, {
      sku: 'CHAIR-1',
      name: 'Chair',
      unitPriceMinor: 4500,
      taxRateBp: 2200,
    });
    expect(item.statusCode, item.body).toBe(201);
    const quote = await call('POST', '/api/v1/quotes', agentA, {
      conversationId,
      lines: [{ catalogItemId: item.json().id, quantity: '4' }],
    });
    expect(quote.statusCode, quote.body).toBe(201);
    const submitted = await call('POST', `/api/v1/quotes/${quote.json().id}/submit`, admin, { version: 1 });
    expect(submitted.statusCode, submitted.body).toBe(200);
    const ownerItems = (await notificationsOf(owner)).filter((n) => n.kind === 'quote_awaiting_approval');
    expect(ownerItems).toHaveLength(1);
    expect(ownerItems[0]).toMatchObject({
      subject: { type: 'quote', id: quote.json().id },
      title: `Quote ${quote.json().number} awaits approval`,
    });
    expect((await notificationsOf(admin)).some((n) => n.kind === 'quote_awaiting_approval')).toBe(false);
    expect((await notificationsOf(agentA)).some((n) => n.kind === 'quote_awaiting_approval')).toBe(false);
  });

  it('a call-back nobody at the business answered notifies every member', async () => {
    const callbackId = await withTenant(database.db, tenantId, async (trx) => {
      const widget = await trx
        .insertInto('callbackWidgets')
        .values({ publicKey: `wk_${'n'.repeat(20)}`, name: 'Site' } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      const callback = await trx
        .insertInto('callbacks')
        .values({
          widgetId: widget.id,
          visitorE164: '+393330009999',
          visitorName: 'Visitor Vera',
          language: 'en',
          status: 'calling_business',
          requestId: 'notifications-test',
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      await moveCallback(trx, callback.id, ['calling_business'], 'business_no_answer');
      return callback.id;
    });
    for (const member of [owner, agentB]) {
      expect((await notificationsOf(member))[0]).toMatchObject({
        kind: 'missed_callback',
        subject: { type: 'callback', id: callbackId },
        title: 'Missed call-back request from Visitor Vera',
      });
    }
  });
});

describe('preferences', () => {
  it('defaults to everything on; a kind turned off in both places is not recorded, in-app off hides it from the bell', async () => {
    const defaults = await call('GET', '/api/v1/notifications/preferences', agentB);
    expect(defaults.json().items).toContainEqual({ kind: 'assigned', inApp: true, browser: true });
    const changed = await call('PUT', '/api/v1/notifications/preferences', agentB, {
      items: [
        { kind: 'assigned', inApp: false, browser: false },
        { kind: 'mention', inApp: false, browser: true },
      ],
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().items).toContainEqual({ kind: 'mention', inApp: false, browser: true });

    const { conversationId } = await conversation('Prefs Case');
    const before = await notificationsOf(agentB);
    await call('PUT', `/api/v1/conversations/${conversationId}/assignee`, admin, { userId: agentB.userId });
    await call('POST', `/api/v1/conversations/${conversationId}/notes`, admin, { text: '@bea agent look' });
    expect(await notificationsOf(agentB)).toEqual(before);
    const stored = await withTenant(database.db, tenantId, (trx) =>
      trx
        .selectFrom('notifications')
        .select(['kind', 'inApp', 'browser'])
        .where('userId', '=', agentB.userId)
        .where('subjectId', '=', conversationId)
        .execute(),
    );
    // The mention exists for the browser only; the assignment was not recorded at all.
    expect(stored).toEqual([{ kind: 'mention', inApp: false, browser: true }]);
    await call('PUT', '/api/v1/notifications/preferences', agentB, {
      items: [
        { kind: 'assigned', inApp: true, browser: true },
        { kind: 'mention', inApp: true, browser: true },
      ],
    });
  });

  it('refuses bad preference bodies with a 400', async () => {
    for (const body of [
      { items: [{ kind: 'nope', inApp: true, browser: true }] },
      { items: [{ kind: 'mention', inApp: 'yes', browser: true }] },
      {
        items: [
          { kind: 'mention', inApp: true, browser: true },
          { kind: 'mention', inApp: false, browser: true },
        ],
      },
      { items: [], extra: 1 },
    ]) {
      const response = await call('PUT', '/api/v1/notifications/preferences', agentB, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBeTruthy();
    }
  });
});

describe('the API', () => {
  it('pages with a cursor, counts unread, marks one and all read, and keeps each member to their own', async () => {
    const first = await call('GET', '/api/v1/notifications?limit=2', agentA);
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.items).toHaveLength(2);
    expect(body.nextCursor).toBeTruthy();
    const second = await call('GET', `/api/v1/notifications?limit=2&cursor=${body.nextCursor}`, agentA);
    expect(second.json().items[0].id).not.toBe(body.items[1].id);
    const unread = (await call('GET', '/api/v1/notifications/unread-count', agentA)).json().unread;
    expect(unread).toBe(body.unread);
    expect(unread).toBeGreaterThan(1);

    const one = body.items[0].id;
    expect((await call('POST', `/api/v1/notifications/${one}/read`, agentA)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/notifications/unread-count', agentA)).json().unread).toBe(unread - 1);
    // Another member's notification is not found, to them.
    expect((await call('POST', `/api/v1/notifications/${one}/read`, agentB)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/notifications/${one}`, agentB)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/notifications/${one}`, outsider)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/notifications/${one}`, agentA)).json().readAt).not.toBeNull();

    const all = await call('POST', '/api/v1/notifications/read-all', agentA);
    expect(all.json().marked).toBe(unread - 1);
    expect((await call('GET', '/api/v1/notifications/unread-count', agentA)).json().unread).toBe(0);
    expect((await call('GET', '/api/v1/notifications?unread=true', agentA)).json().items).toEqual([]);
  });

  it('bad input is a 400, never a 500', async () => {
    for (const url of [
      '/api/v1/notifications?cursor=not-a-cursor',
      '/api/v1/notifications?limit=0',
      '/api/v1/notifications?limit=abc',
      '/api/v1/notifications?unknown=1',
      '/api/v1/notifications/not-a-uuid',
    ]) {
      const response = await call('GET', url, agentA);
      expect(response.statusCode, url).toBe(400);
    }
    expect((await call('POST', '/api/v1/notifications/not-a-uuid/read', agentA)).statusCode).toBe(400);
  });
});

describe('auto-assignment', () => {
  it('is off by default; admins turn it on, agents may not', async () => {
    expect((await call('GET', '/api/v1/inbox/settings', agentA)).json()).toEqual({ autoAssign: false });
    expect((await call('PUT', '/api/v1/inbox/settings', agentA, { autoAssign: true })).statusCode).toBe(403);
    const on = await call('PUT', '/api/v1/inbox/settings', admin, { autoAssign: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toEqual({ autoAssign: true });
  });

  it('takes turns among the two members online, fairly even when handoffs race', async () => {
    await withTenant(database.db, tenantId, (trx) => trx.deleteFrom('memberPresence').execute());
    await markOnline(database.db, tenantId, agentA.userId);
    await markOnline(database.db, tenantId, agentB.userId);
    const sequential: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { conversationId } = await conversation(`Round ${i}`);
      await handOff(conversationId);
      sequential.push((await assigneeOf(conversationId)) as string);
    }
    expect(new Set(sequential)).toEqual(new Set([agentA.userId, agentB.userId]));
    expect(sequential[0]).not.toBe(sequential[1]);
    expect(sequential[2]).toBe(sequential[0]);
    expect(sequential[3]).toBe(sequential[1]);

    const raced = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const { conversationId } = await conversation(`Race ${i}`);
        return conversationId;
      }),
    );
    await Promise.all(raced.map((id) => handOff(id)));
    const assignees = await Promise.all(raced.map((id) => assigneeOf(id)));
    expect(assignees.filter((id) => id === agentA.userId)).toHaveLength(3);
    expect(assignees.filter((id) => id === agentB.userId)).toHaveLength(3);

    // The assignee hears it was handed and assigned to them; the other member hears nothing of it.
    const last = raced[0] as string;
    const assignee = assignees[0] === agentA.userId ? agentA : agentB;
    const other = assignee === agentA ? agentB : agentA;
    const theirs = (await notificationsOf(assignee)).filter((n) => n.subject.id === last).map((n) => n.kind);
    expect(theirs.sort()).toEqual(['assigned', 'handoff']);
    expect((await notificationsOf(other)).filter((n) => n.subject.id === last)).toEqual([]);
  });

  it('skips members offline; nobody online leaves the conversation unassigned', async () => {
    await markOffline(database.db, tenantId, agentA.userId);
    const { conversationId } = await conversation('Only B');
    await handOff(conversationId);
    expect(await assigneeOf(conversationId)).toBe(agentB.userId);
    await markOffline(database.db, tenantId, agentB.userId);
    const { conversationId: nobody } = await conversation('Nobody Online');
    await handOff(nobody);
    expect(await assigneeOf(nobody)).toBeNull();
    await call('PUT', '/api/v1/inbox/settings', admin, { autoAssign: false });
  });
});

describe('snooze and bulk actions', () => {
  const listed = async (filter: string) =>
    (
      (await call('GET', `/api/v1/conversations?filter=${filter}&limit=100`, admin)).json().items as Array<{
        id: string;
      }>
    ).map((item) => item.id);

  it('a snoozed conversation leaves the open inbox and comes back when the customer writes', async () => {
    const { conversationId } = await conversation('Snooze Writes');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snoozed = await call('PUT', `/api/v1/conversations/${conversationId}/snooze`, agentA, { until });
    expect(snoozed.statusCode, snoozed.body).toBe(200);
    expect(snoozed.json().snoozedUntil).toBe(until);
    expect(await listed('open')).not.toContain(conversationId);
    expect(await listed('snoozed')).toContain(conversationId);
    await withTenant(database.db, tenantId, (trx) => recordInboundActivity(trx, conversationId, new Date()));
    expect(await listed('open')).toContain(conversationId);
    expect(await listed('snoozed')).not.toContain(conversationId);
  });

  it('comes back on schedule: the wake job clears it and tells whoever works it', async () => {
    const { conversationId } = await conversation('Snooze Wakes');
    await call('PUT', `/api/v1/conversations/${conversationId}/assignee`, admin, { userId: agentA.userId });
    const until = new Date(Date.now() + 60_000).toISOString();
    await call('PUT', `/api/v1/conversations/${conversationId}/snooze`, agentA, { until });
    const job = (await jobsOfTask(database.ownerDb, 'conversations.wake-snoozed')).find((row) =>
      JSON.stringify(row.payload).includes(conversationId),
    );
    expect(job?.runAt.toISOString()).toBe(until);
    // Its time come: the job wakes it.
    await withTenant(database.db, tenantId, (trx) =>
      trx
        .updateTable('conversations')
        .set({ snoozedUntil: new Date(Date.now() - 1000) })
        .where('id', '=', conversationId)
        .execute(),
    );
    const stale = { conversationId, until };
    await runTask(database.db, wakeSnoozedTask, tenantId, stale, { logger: logs.logger });
    // A job for a snooze that changed meanwhile does nothing.
    expect((await notificationsOf(agentA)).some((n) => n.title.includes('back from snooze'))).toBe(false);
    const current = await withTenant(database.db, tenantId, (trx) =>
      trx
        .selectFrom('conversations')
        .select('snoozedUntil')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow(),
    );
    await runTask(
      database.db,
      wakeSnoozedTask,
      tenantId,
      { conversationId, until: (current.snoozedUntil as Date).toISOString() },
      { logger: logs.logger },
    );
    expect((await notificationsOf(agentA))[0]).toMatchObject({
      kind: 'handoff',
      title: 'Snooze Wakes is back from snooze',
    });
    expect(await listed('open')).toContain(conversationId);
  });

  it('refuses a snooze in the past or too far ahead', async () => {
    const { conversationId } = await conversation('Snooze Bad');
    for (const until of [new Date(Date.now() - 1000).toISOString(), '2099-01-01T00:00:00Z', 'soon']) {
      const response = await call('PUT', `/api/v1/conversations/${conversationId}/snooze`, agentA, { until });
      expect(response.statusCode, until).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, until).toBeLessThan(500);
    }
  });

  it('closes, labels and assigns many conversations at once, all or nothing', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async (i) => (await conversation(`Bulk ${i}`)).conversationId),
    );
    const label = await call('POST', '/api/v1/labels', admin, { name: 'Bulk', color: '#00aa00' });
    const labelled = await call('POST', '/api/v1/conversations/bulk-actions', agentA, {
      conversationIds: ids,
      action: { type: 'label', labelIds: [label.json().id] },
    });
    expect(labelled.json()).toEqual({ changed: 3 });
    const assigned = await call('POST', '/api/v1/conversations/bulk-actions', agentA, {
      conversationIds: ids,
      action: { type: 'assign', userId: agentB.userId },
    });
    expect(assigned.json()).toEqual({ changed: 3 });
    expect(
      (await notificationsOf(agentB)).filter((n) => ids.includes(n.subject.id) && n.kind === 'assigned'),
    ).toHaveLength(3);

    // One id of another workspace: nothing changes.
    const foreign = await call('POST', '/api/v1/conversations/bulk-actions', agentA, {
      conversationIds: [...ids, '00000000-0000-4000-8000-000000000001'],
      action: { type: 'close' },
    });
    expect(foreign.statusCode).toBe(404);
    expect(await listed('open')).toEqual(expect.arrayContaining(ids));

    const closed = await call('POST', '/api/v1/conversations/bulk-actions', agentA, {
      conversationIds: ids,
      action: { type: 'close' },
    });
    expect(closed.json()).toEqual({ changed: 3 });
    expect(await listed('closed')).toEqual(expect.arrayContaining(ids));
    for (const body of [
      { conversationIds: [], action: { type: 'close' } },
      { conversationIds: Array.from({ length: 101 }, () => ids[0]), action: { type: 'close' } },
      { conversationIds: ids, action: { type: 'explode' } },
      { conversationIds: ['nope'], action: { type: 'close' } },
      { conversationIds: ids, action: { type: 'label', labelIds: ['00000000-0000-4000-8000-000000000009'] } },
    ]) {
      const response = await call('POST', '/api/v1/conversations/bulk-actions', agentA, body);
      expect(response.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, JSON.stringify(body)).toBeLessThan(500);
    }
  });
});
