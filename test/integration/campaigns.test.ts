import { randomInt } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import {
  createAutomationTasks,
  queueDueRules,
  SWEEP_TASK_ID,
} from '../../src/automations/automations.tasks.js';
import { enqueueDispatch } from '../../src/campaigns/dispatch-task-ref.js';
import { applyOutcomes } from '../../src/campaigns/recipient-outcomes.js';
import { applyPendingStatuses } from '../../src/channels/whatsapp/statuses.repository.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { createStage } from '../../src/contacts/pipeline/pipeline.js';
import { changePlan } from '../../src/plans/plans.service.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { buildTasks } from '../../src/tasks.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { messages as inbound, wamid } from '../fakes/meta-webhook-client.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { deliverMessages } from '../support/inbound-pipeline.js';
import { captureLogger } from '../support/log-capture.js';
import {
  createConversation,
  insertStatus,
  type OutboundHarness,
  outboundHarness,
} from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Campaigns end to end: the real API, the real worker (dispatcher and WhatsApp send jobs) and the fake
// Graph API on 127.0.0.1. Each test works in a workspace of its own.

const logs = captureLogger();
let database: TestDatabase;
let fake: FakeGraphApi;
let harness: OutboundHarness;
let app: FastifyInstance;
let worker: RunningWorker;
let workerPool: ReturnType<typeof createPool>;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  const env = { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort };
  const config = testConfig(env);
  harness = outboundHarness(database, config, fake, logs.logger);
  ({ app } = await buildTestApp({ database, env }));
  workerPool = createPool({ connectionString: database.appUrl, max: 6, applicationName: 'campaigns-worker' });
  const tasks = buildTasks({
    secretKey: config.secretKey,
    mailer: {} as never,
    agent: createQualifier(),
    whatsappOutbound: harness.outbound,
    accounts: { db: database.db, config },
    callbacks: {} as never,
    publicUrl: config.http.publicUrl,
    contactImports: {} as never,
    sms: { rest: {} as never, config },
  }).filter((task) => task.id.startsWith('whatsapp.') || task.id.startsWith('campaigns.'));
  // The automation runner's evaluation and run jobs (the minute's sweep is called by the tests themselves).
  tasks.push(...createAutomationTasks({ db: database.db }).filter((task) => task.id !== SWEEP_TASK_ID));
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: logs.logger,
    tasks,
    concurrency: 4,
    pollIntervalMs: 100,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
  });
});

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await app?.close();
  await harness?.close();
  await fake?.close();
  await database?.drop();
});

interface World {
  tenantId: string;
  owner: SignedInMember;
  channelId: string;
  phoneNumberId: string;
  api(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse>;
}

/** A workspace with an owner and a WhatsApp channel (its fixture contact has no consent: never messaged). */
async function world(): Promise<World> {
  const tenantId = await newTenant(database.db);
  const config = testConfig();
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const fixture = await createConversation(database.db, config, { tenantId, accessToken: fake.accessToken });
  await withTenant(database.db, tenantId, async (trx) => {
    await trx
      .updateTable('whatsappChannels')
      .set({ messagingTier: null })
      .where('id', '=', fixture.channelId)
      .execute();
    // The fixture's own contact is not part of these audiences.
    await trx.deleteFrom('contacts').where('id', '=', fixture.contactId).execute();
  });
  return {
    tenantId,
    owner,
    channelId: fixture.channelId,
    phoneNumberId: fixture.phoneNumberId,
    api: (method, url, payload) =>
      app.inject({
        method,
        url,
        headers: owner.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
  };
}

/** Italian mobiles (valid for libphonenumber) with WhatsApp consent, optionally named. */
async function contacts(w: World, n: number, input: { firstName?: string | null; consent?: boolean } = {}) {
  return withTenant(database.db, w.tenantId, async (trx) => {
    const rows: Array<{ id: string; phoneE164: string }> = [];
    for (let i = 0; i < n; i++) {
      const contact = await trx
        .insertInto('contacts')
        .values({
          phoneE164: `+39333${randomInt(1_000_000, 9_999_999)}`,
          firstName: input.firstName === undefined ? `Ada${i}` : input.firstName,
        })
        .returning(['id', 'phoneE164'])
        .executeTakeFirstOrThrow();
      if (input.consent !== false) {
        await recordConsent(trx, {
          contactId: contact.id,
          channel: 'whatsapp',
          state: 'opted_in',
          source: 'import',
        });
      }
      rows.push(contact);
    }
    return rows;
  });
}

/** A segment of every contact (the empty filter). */
async function segment(w: World): Promise<string> {
  return withTenant(database.db, w.tenantId, async (trx) => {
    const { rows } = await sql<{ id: string }>`
      insert into segments (name, filter) values (${`Everyone ${randomInt(1e9)}`}, '{}'::jsonb) returning id`.execute(
      trx,
    );
    return rows[0]?.id as string;
  });
}

const TEMPLATE = {
  name: 'spring_offer',
  language: 'en_US',
  variables: [
    { component: 'body', index: 1, source: 'contact.firstName', fallback: 'there' },
    { component: 'body', index: 2, source: 'contact.fields.city', fallback: 'your city' },
  ],
};

async function draft(w: World, overrides: Record<string, unknown> = {}) {
  const response = await w.api('POST', '/api/v1/campaigns', {
    name: 'Spring',
    channelKind: 'whatsapp',
    channelId: w.channelId,
    segmentId: await segment(w),
    content: { variants: [{ key: 'A', template: TEMPLATE }] },
    quietHours: null,
    ...overrides,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; status: string };
}

const sendsOf = (w: World) => fake.sends().filter((request) => request.path.includes(`/${w.phoneNumberId}/`));

async function recipients(w: World, campaignId: string) {
  return withTenant(database.db, w.tenantId, (trx) =>
    trx
      .selectFrom('campaignRecipients')
      .selectAll()
      .where('campaignId', '=', campaignId)
      .orderBy('id')
      .execute(),
  );
}

async function campaignRow(w: World, id: string) {
  return withTenant(database.db, w.tenantId, (trx) =>
    trx.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

function untilStatus(w: World, id: string, status: string, timeoutMs = 30_000) {
  return waitFor(async () => (await campaignRow(w, id)).status === status, {
    timeoutMs,
    description: `campaign ${status}`,
  });
}

describe('campaign API: bad input is a clear 4xx', () => {
  it('refuses malformed and misplaced bodies, ids and cursors, never a 500', async () => {
    const w = await world();
    const cases: Array<[string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown, number]> = [
      [
        'unknown key',
        'POST',
        '/api/v1/campaigns',
        { name: 'x', channelKind: 'whatsapp', channelId: w.channelId, extra: 1 },
        400,
      ],
      ['bad kind', 'POST', '/api/v1/campaigns', { name: 'x', channelKind: 'fax' }, 400],
      [
        'name too long',
        'POST',
        '/api/v1/campaigns',
        { name: 'x'.repeat(201), channelKind: 'whatsapp', channelId: w.channelId },
        400,
      ],
      [
        'control characters',
        'POST',
        '/api/v1/campaigns',
        { name: 'a\u0000b', channelKind: 'whatsapp', channelId: w.channelId },
        400,
      ],
      [
        'channel of no one',
        'POST',
        '/api/v1/campaigns',
        { name: 'x', channelKind: 'whatsapp', channelId: '00000000-0000-4000-8000-000000000000' },
        400,
      ],
      ['whatsapp without channel', 'POST', '/api/v1/campaigns', { name: 'x', channelKind: 'whatsapp' }, 400],
      [
        'text on whatsapp',
        'POST',
        '/api/v1/campaigns',
        {
          name: 'x',
          channelKind: 'whatsapp',
          channelId: w.channelId,
          content: { variants: [{ key: 'A', text: 'hi' }] },
        },
        400,
      ],
      [
        'two variants A',
        'POST',
        '/api/v1/campaigns',
        {
          name: 'x',
          channelKind: 'whatsapp',
          channelId: w.channelId,
          content: {
            variants: [
              { key: 'A', template: TEMPLATE },
              { key: 'A', template: TEMPLATE },
            ],
          },
        },
        400,
      ],
      [
        'bad variable source',
        'POST',
        '/api/v1/campaigns',
        {
          name: 'x',
          channelKind: 'whatsapp',
          channelId: w.channelId,
          content: {
            variants: [
              {
                key: 'A',
                template: {
                  ...TEMPLATE,
                  variables: [{ component: 'body', index: 1, source: 'process.env', fallback: '' }],
                },
              },
            ],
          },
        },
        400,
      ],
      [
        'http header media',
        'POST',
        '/api/v1/campaigns',
        {
          name: 'x',
          channelKind: 'whatsapp',
          channelId: w.channelId,
          content: {
            variants: [{ key: 'A', template: { ...TEMPLATE, headerMediaUrl: 'http://example.com/a.png' } }],
          },
        },
        400,
      ],
      [
        'quiet minute out of range',
        'POST',
        '/api/v1/campaigns',
        { name: 'x', channelKind: 'whatsapp', channelId: w.channelId, quietHours: { start: 1440, end: 0 } },
        400,
      ],
      ['not a uuid', 'GET', '/api/v1/campaigns/nope', undefined, 400],
      ['unknown id', 'GET', '/api/v1/campaigns/00000000-0000-4000-8000-000000000000', undefined, 404],
      ['garbage cursor', 'GET', '/api/v1/campaigns?cursor=%27%3B--', undefined, 400],
      ['limit too big', 'GET', '/api/v1/campaigns?limit=1000', undefined, 400],
      [
        'bad recipient status',
        'GET',
        '/api/v1/campaigns/00000000-0000-4000-8000-000000000000/recipients?status=gone',
        undefined,
        400,
      ],
    ];
    for (const [name, method, url, payload, status] of cases) {
      const response = await w.api(method, url, payload);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(status);
      expect(response.json().error, name).toMatchObject({
        code: expect.any(String),
        message: expect.any(String),
        requestId: expect.any(String),
      });
    }
  });

  it('changes and deletes drafts only; lifecycle actions in the wrong state are 409', async () => {
    const w = await world();
    await contacts(w, 1);
    const campaign = await draft(w);
    expect((await w.api('POST', `/api/v1/campaigns/${campaign.id}/resume`)).statusCode).toBe(409);
    expect((await w.api('POST', `/api/v1/campaigns/${campaign.id}/retry-failed`)).statusCode).toBe(409);
    const renamed = await w.api('PATCH', `/api/v1/campaigns/${campaign.id}`, { name: 'Summer' });
    expect(renamed.json()).toMatchObject({ name: 'Summer', status: 'draft' });
    expect((await w.api('PATCH', `/api/v1/campaigns/${campaign.id}`, {})).statusCode).toBe(400);
    const bad = await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, { scheduledAt: 'tomorrow' });
    expect(bad.statusCode).toBe(400);
    const launched = await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    expect(launched.statusCode, launched.body).toBe(200);
    expect((await w.api('PATCH', `/api/v1/campaigns/${campaign.id}`, { name: 'Late' })).statusCode).toBe(409);
    expect((await w.api('DELETE', `/api/v1/campaigns/${campaign.id}`)).statusCode).toBe(409);
    expect((await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {})).statusCode).toBe(409);
    const other = await draft(w);
    expect((await w.api('DELETE', `/api/v1/campaigns/${other.id}`)).statusCode).toBe(204);
    const noSegment = await draft(w, { segmentId: null });
    expect((await w.api('POST', `/api/v1/campaigns/${noSegment.id}/launch`, {})).statusCode).toBe(400);
  });

  it('an agent reads campaigns but cannot create or launch one', async () => {
    const w = await world();
    const agent = await signedInMember(database.db, testConfig(), { tenantId: w.tenantId, role: 'agent' });
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/campaigns', headers: agent.headers })).statusCode,
    ).toBe(200);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: agent.headers,
      payload: { name: 'x', channelKind: 'whatsapp', channelId: w.channelId },
    });
    expect(created.statusCode).toBe(403);
  });
});

describe('audience preview and launch', () => {
  it('counts the audience with every exclusion and its reason, an ETA over days under a tier', async () => {
    const w = await world();
    await contacts(w, 4);
    await contacts(w, 2, { consent: false });
    const [optedOut] = await contacts(w, 1);
    await withTenant(database.db, w.tenantId, (trx) =>
      recordConsent(trx, {
        contactId: optedOut!.id,
        channel: 'whatsapp',
        state: 'opted_out',
        source: 'customer',
      }),
    );
    const busy = await draft(w);
    const campaign = await draft(w);
    // The first campaign holds the four eligible contacts: they are "in a running campaign" for the second.
    expect((await w.api('POST', `/api/v1/campaigns/${busy.id}/pause`)).statusCode).toBe(409);
    await withTenant(database.db, w.tenantId, (trx) =>
      trx.updateTable('whatsappChannels').set({ messagingTier: 250 }).where('id', '=', w.channelId).execute(),
    );
    const before = await w.api('POST', `/api/v1/campaigns/${campaign.id}/preview`);
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toMatchObject({
      eligible: 4,
      excluded: { no_consent: 2, opted_out: 1, in_running_campaign: 0 },
      eta: { days: 1 },
    });
    // Launching the first one (paused at once, so nothing leaves) makes its recipients busy.
    expect(
      (
        await w.api('POST', `/api/v1/campaigns/${busy.id}/launch`, {
          scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
        })
      ).statusCode,
    ).toBe(200);
    const after = (await w.api('POST', `/api/v1/campaigns/${campaign.id}/preview`)).json();
    expect(after.excluded.in_running_campaign).toBe(4);
    await w.api('POST', `/api/v1/campaigns/${busy.id}/cancel`);
  });

  it('freezes the audience at launch in one statement and splits two variants half and half', async () => {
    const w = await world();
    await contacts(w, 10);
    const campaign = await draft(w, {
      content: {
        variants: [
          { key: 'A', template: TEMPLATE },
          { key: 'B', template: { ...TEMPLATE, name: 'spring_offer_b' } },
        ],
      },
    });
    const launched = await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {
      scheduledAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(launched.json()).toMatchObject({ status: 'scheduled' });
    await contacts(w, 3); // after launch: not in the audience
    const rows = await recipients(w, campaign.id);
    expect(rows).toHaveLength(10);
    expect(rows.filter((row) => row.variant === 'A')).toHaveLength(5);
    expect(rows.filter((row) => row.variant === 'B')).toHaveLength(5);
    const usage = await withTenant(database.db, w.tenantId, (trx) =>
      trx.selectFrom('workspaceUsageMonths').select('campaignRecipients').executeTakeFirstOrThrow(),
    );
    expect(usage.campaignRecipients).toBe(10);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/cancel`);
    expect((await recipients(w, campaign.id)).every((row) => row.status === 'cancelled')).toBe(true);
  });

  it("a scheduled start without an offset is the workspace's wall-clock time", async () => {
    const w = await world();
    await contacts(w, 1);
    await withTenant(database.db, w.tenantId, (trx) =>
      trx
        .insertInto('businessHours')
        .values({ widgetId: null, calendar: JSON.stringify({ timeZone: 'America/Sao_Paulo', weekly: {} }) })
        .execute(),
    );
    const campaign = await draft(w);
    // São Paulo keeps UTC-3 all year: 09:30 there is 12:30 UTC.
    const day = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    const launched = await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {
      scheduledAt: `${day}T09:30`,
    });
    expect(launched.statusCode, launched.body).toBe(200);
    expect(launched.json()).toMatchObject({ status: 'scheduled', scheduledAt: `${day}T12:30:00.000Z` });
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/cancel`);
  });

  it('the plan caps recipients per month: a launch over it is refused whole', async () => {
    const w = await world();
    await contacts(w, 3);
    await changePlan(database.db, w.tenantId, { limits: { campaignRecipients: 2 } });
    const campaign = await draft(w);
    const refused = await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('plan_limit_reached');
    expect(await recipients(w, campaign.id)).toHaveLength(0);
  });
});

describe('sending', () => {
  it('sends each recipient its template once, variables filled with fallbacks, and completes', async () => {
    const w = await world();
    const named = await contacts(w, 2);
    const [anonymous] = await contacts(w, 1, { firstName: null });
    const campaign = await draft(w);
    expect((await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {})).statusCode).toBe(200);
    await untilStatus(w, campaign.id, 'completed');
    await waitFor(() => sendsOf(w).length >= 3, { timeoutMs: 15_000, description: 'three sends' });
    const sends = sendsOf(w);
    expect(sends).toHaveLength(3);
    const to = sends.map((request) => request.body?.to).sort();
    expect(to).toEqual([...named, anonymous!].map((c) => c.phoneE164.slice(1)).sort());
    const anonymousSend = sends.find((request) => request.body?.to === anonymous!.phoneE164.slice(1));
    expect(anonymousSend?.body?.template).toMatchObject({
      name: 'spring_offer',
      language: { code: 'en_US' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'there' },
            { type: 'text', text: 'your city' },
          ],
        },
      ],
    });
    const rows = await recipients(w, campaign.id);
    expect(rows.every((row) => row.status === 'sent' && row.messageId && row.conversationId)).toBe(true);
    const progress = (await w.api('GET', `/api/v1/campaigns/${campaign.id}/progress`)).json();
    expect(progress).toMatchObject({ status: 'completed', counts: { sent: 3, queued: 0 } });
    const page = (
      await w.api('GET', `/api/v1/campaigns/${campaign.id}/recipients?status=sent&limit=2`)
    ).json();
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('checks consent again at send time: a contact who opted out after launch is skipped', async () => {
    const w = await world();
    const [stays, leaves] = await contacts(w, 2);
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {
      scheduledAt: new Date(Date.now() + 2_000).toISOString(),
    });
    await withTenant(database.db, w.tenantId, (trx) =>
      recordConsent(trx, {
        contactId: leaves!.id,
        channel: 'whatsapp',
        state: 'opted_out',
        source: 'customer',
      }),
    );
    await untilStatus(w, campaign.id, 'completed');
    const rows = await recipients(w, campaign.id);
    expect(rows.find((row) => row.contactId === leaves!.id)).toMatchObject({
      status: 'skipped',
      skipReason: 'opted_out',
    });
    expect(rows.find((row) => row.contactId === stays!.id)).toMatchObject({ status: 'sent' });
    expect(sendsOf(w).map((request) => request.body?.to)).toEqual([stays!.phoneE164.slice(1)]);
  });

  it('holds recipients in their quiet hours until the hours end in their own time zone', async () => {
    const w = await world();
    await contacts(w, 1);
    const rome = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Rome',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .format(new Date())
      .split(':')
      .map(Number);
    const now = (rome[0] ?? 0) * 60 + (rome[1] ?? 0);
    // Quiet from an hour ago to an hour ahead in Rome's time: the recipient waits an hour.
    const campaign = await draft(w, { quietHours: { start: (now + 1380) % 1440, end: (now + 60) % 1440 } });
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    const [held] = await waitFor(
      async () => {
        const rows = await recipients(w, campaign.id);
        return rows[0] && rows[0].notBefore.getTime() > Date.now() + 30 * 60_000 ? rows : undefined;
      },
      { timeoutMs: 15_000, description: 'the recipient held back' },
    );
    expect(held?.status).toBe('queued');
    expect(Math.abs((held?.notBefore.getTime() ?? 0) - (Date.now() + 3_600_000))).toBeLessThan(120_000);
    expect(sendsOf(w)).toHaveLength(0);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/cancel`);
  });
});

describe("Meta's errors", () => {
  it('131049 and 131026 fail the recipient with the code, not retried; 130429 is retried and sent', async () => {
    const w = await world();
    const [withheld, undeliverable, throttled] = await contacts(w, 3);
    fake.fail({ kind: 'graph-error', code: 131049 }, { recipient: withheld!.phoneE164.slice(1) });
    fake.fail({ kind: 'graph-error', code: 131026 }, { recipient: undeliverable!.phoneE164.slice(1) });
    fake.fail({ kind: 'graph-error', code: 130429 }, { recipient: throttled!.phoneE164.slice(1) });
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    const rows = await waitFor(
      async () => {
        const all = await recipients(w, campaign.id);
        return all.filter((row) => row.status === 'failed').length === 2 ? all : undefined;
      },
      { timeoutMs: 30_000, description: 'two recipients failed' },
    );
    expect(rows.find((row) => row.contactId === withheld!.id)).toMatchObject({
      status: 'failed',
      errorCode: '131049',
    });
    expect(rows.find((row) => row.contactId === undeliverable!.id)).toMatchObject({
      status: 'failed',
      errorCode: '131026',
    });
    const to = (c: { phoneE164: string }) =>
      sendsOf(w).filter((request) => request.body?.to === c.phoneE164.slice(1)).length;
    await waitFor(() => to(throttled!) >= 2, {
      timeoutMs: 30_000,
      description: 'the throttled send retried',
    });
    expect(to(withheld!)).toBe(1);
    expect(to(undeliverable!)).toBe(1);
  });

  it('131050 records a marketing opt-out in the consent ledger and the recipient is opted_out', async () => {
    const w = await world();
    const [stopped] = await contacts(w, 1);
    fake.fail(
      {
        kind: 'graph-error',
        code: 131050,
        title: 'Unable to deliver the message: user stopped marketing messages',
      },
      { recipient: stopped!.phoneE164.slice(1) },
    );
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await waitFor(async () => (await recipients(w, campaign.id))[0]?.status === 'opted_out', {
      timeoutMs: 30_000,
      description: 'the recipient opted out',
    });
    const consent = await withTenant(database.db, w.tenantId, (trx) =>
      trx
        .selectFrom('consentEntries')
        .selectAll()
        .where('contactId', '=', stopped!.id)
        .orderBy('recordedAt', 'desc')
        .executeTakeFirstOrThrow(),
    );
    expect(consent).toMatchObject({ channel: 'whatsapp', state: 'opted_out', source: 'campaign' });
  });

  it('a template error pauses the campaign with the reason; resume sends the rest', async () => {
    const w = await world();
    const people = await contacts(w, 3);
    fake.fail(
      { kind: 'graph-error', code: 132001, title: 'Template name does not exist in the translation' },
      { recipient: people[0]!.phoneE164.slice(1) },
    );
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await untilStatus(w, campaign.id, 'paused');
    expect((await campaignRow(w, campaign.id)).pausedReason).toContain('132001');
    const resumed = await w.api('POST', `/api/v1/campaigns/${campaign.id}/resume`);
    expect(resumed.statusCode).toBe(200);
    await untilStatus(w, campaign.id, 'completed');
    const rows = await recipients(w, campaign.id);
    expect(rows.filter((row) => row.status === 'sent')).toHaveLength(2);
    expect(rows.filter((row) => row.status === 'failed')).toHaveLength(1);
  });
});

describe('lifecycle', () => {
  it('pause stops sends, resume continues, cancel ends; retry-failed re-queues only failed recipients', async () => {
    const w = await world();
    const people = await contacts(w, 6);
    await withTenant(database.db, w.tenantId, (trx) =>
      trx
        .updateTable('whatsappChannels')
        .set({ messagesPerSecond: 2 })
        .where('id', '=', w.channelId)
        .execute(),
    );
    fake.fail({ kind: 'graph-error', code: 131026 }, { recipient: people[0]!.phoneE164.slice(1) });
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await waitFor(() => sendsOf(w).length >= 1, { timeoutMs: 15_000, description: 'a first send' });
    expect((await w.api('POST', `/api/v1/campaigns/${campaign.id}/pause`)).json()).toMatchObject({
      status: 'paused',
    });
    const pausedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const late = sendsOf(w).filter((request) => request.at > pausedAt + 1_000);
    expect(late).toHaveLength(0);
    expect((await w.api('POST', `/api/v1/campaigns/${campaign.id}/resume`)).json()).toMatchObject({
      status: 'running',
    });
    await untilStatus(w, campaign.id, 'completed', 60_000);
    const failed = (await recipients(w, campaign.id)).filter((row) => row.status === 'failed');
    expect(failed).toHaveLength(1);
    const sentBefore = sendsOf(w).length;
    const retried = await w.api('POST', `/api/v1/campaigns/${campaign.id}/retry-failed`);
    expect(retried.json()).toEqual({ requeued: 1 });
    await untilStatus(w, campaign.id, 'completed', 30_000);
    // The failed recipient's ledger row already exists (its key): it is not sent a second time, and the
    // recipient stays failed with the provider's code.
    expect(sendsOf(w).length).toBe(sentBefore);
    expect((await recipients(w, campaign.id)).find((row) => row.contactId === people[0]!.id)).toMatchObject({
      status: 'failed',
      errorCode: '131026',
    });
    const perRecipient = new Map<string, number>();
    for (const request of sendsOf(w))
      perRecipient.set(String(request.body?.to), (perRecipient.get(String(request.body?.to)) ?? 0) + 1);
    expect(Math.max(...perRecipient.values())).toBe(1);
  });

  it('a halted workspace pauses its running campaign with the reason', async () => {
    const w = await world();
    await contacts(w, 2);
    await changePlan(database.db, w.tenantId, { state: 'suspended', suspendedReason: 'unpaid' });
    const campaign = await draft(w);
    await withTenant(database.db, w.tenantId, (trx) =>
      trx.updateTable('campaigns').set({ status: 'running' }).where('id', '=', campaign.id).execute(),
    );
    await withTenant(database.db, w.tenantId, (trx) => enqueueDispatch(trx, campaign.id, 'test'));
    await untilStatus(w, campaign.id, 'paused');
    expect((await campaignRow(w, campaign.id)).pausedReason).toContain('suspended');
    expect(sendsOf(w)).toHaveLength(0);
  });

  it("the channel's daily tier holds the campaign until the rolling day has room", async () => {
    const w = await world();
    const people = await contacts(w, 251);
    const campaign = await draft(w);
    // 250 unique recipients reached in the last 24 hours by an earlier campaign on this number.
    await withTenant(database.db, w.tenantId, async (trx) => {
      await trx
        .updateTable('whatsappChannels')
        .set({ messagingTier: 250 })
        .where('id', '=', w.channelId)
        .execute();
      const earlier = await trx
        .insertInto('campaigns')
        .values({
          name: 'Earlier',
          channelKind: 'whatsapp',
          channelId: w.channelId,
          content: JSON.stringify({ variants: [] }),
          createdByUserId: null,
          status: 'completed',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('campaignRecipients')
        .values(
          people.slice(0, 250).map((p) => ({
            campaignId: earlier.id,
            contactId: p.id,
            status: 'sent' as const,
            sentAt: new Date(Date.now() - 3_600_000),
          })),
        )
        .execute();
    });
    // 251 recipients, no room left today, 250 a day: two more rolling days.
    const preview = (await w.api('POST', `/api/v1/campaigns/${campaign.id}/preview`)).json();
    expect(preview.eta.days).toBe(2);
    expect(new Date(preview.eta.finishesAt).getTime()).toBeGreaterThan(Date.now() + 47 * 3_600_000);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await waitFor(
      async () => {
        const { rows } = await sql<{ at: Date }>`
          select j.run_at as at from graphile_worker._private_jobs j
          join graphile_worker._private_tasks t on t.id = j.task_id
          where t.identifier = 'campaigns.dispatch' and j.key = ${`campaign-dispatch:${campaign.id}`}`.execute(
          database.ownerDb,
        );
        return rows[0] && new Date(rows[0].at).getTime() > Date.now() + 22 * 3_600_000;
      },
      { timeoutMs: 15_000, description: 'the dispatcher waits for the rolling day' },
    );
    expect(sendsOf(w)).toHaveLength(0);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/cancel`);
  });
});

describe('recipient statuses from deliveries and replies', () => {
  it('delivered and read move recipients forward; a reply marks them replied and goes to a person', async () => {
    const w = await world();
    const [person] = await contacts(w, 1);
    const campaign = await draft(w, { replyHandling: 'human' });
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await untilStatus(w, campaign.id, 'completed');
    const message = await waitFor(
      async () => {
        const [row] = await recipients(w, campaign.id);
        if (!row?.messageId) return undefined;
        return withTenant(database.db, w.tenantId, (trx) =>
          trx
            .selectFrom('messages')
            .select(['id', 'providerMessageId'])
            .where('id', '=', row.messageId as string)
            .where('providerMessageId', 'is not', null)
            .executeTakeFirst(),
        );
      },
      { timeoutMs: 15_000, description: 'the send accepted' },
    );
    const fixture = {
      tenantId: w.tenantId,
      channelId: w.channelId,
      phoneE164: person!.phoneE164,
    } as Parameters<typeof insertStatus>[1];
    await insertStatus(database.db, fixture, message.providerMessageId as string, 'delivered', new Date());
    await withTenant(database.db, w.tenantId, (trx) => applyPendingStatuses(trx, w.channelId));
    expect((await recipients(w, campaign.id))[0]).toMatchObject({ status: 'delivered' });
    await insertStatus(database.db, fixture, message.providerMessageId as string, 'read', new Date());
    await withTenant(database.db, w.tenantId, (trx) => applyPendingStatuses(trx, w.channelId));
    expect((await recipients(w, campaign.id))[0]).toMatchObject({ status: 'read' });

    const sendsBefore = sendsOf(w).length;
    const status = await deliverMessages(
      { app, channelId: w.channelId, phoneNumberId: w.phoneNumberId, appSecret: 'app-secret' },
      [inbound.text({ id: wamid(), from: person!.phoneE164.slice(1), body: 'Tell me more' })],
    );
    expect(status).toBe(200);
    await waitFor(async () => (await recipients(w, campaign.id))[0]?.status === 'replied', {
      timeoutMs: 60_000,
      description: 'the recipient replied',
    });
    const conversation = await withTenant(database.db, w.tenantId, (trx) =>
      trx
        .selectFrom('conversations')
        .select('ownership')
        .where('contactId', '=', person!.id)
        .executeTakeFirstOrThrow(),
    );
    expect(conversation.ownership).toBe('human');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sendsOf(w).length).toBe(sendsBefore);
  });
});

describe('campaign events drive automations', () => {
  /** Each recipient's campaign events, as the `campaign_event` trigger reads them. */
  async function campaignEvents(w: World, campaignId: string) {
    const { rows } = await sql<{ contactId: string; event: string }>`
      select subject_id as "contactId", payload ->> 'event' as event from domain_events
      where type = 'campaign.event' and payload ->> 'campaignId' = ${campaignId}
      order by id`.execute(database.ownerDb);
    expect(new Set(rows.map(() => w.tenantId)).size).toBeLessThanOrEqual(1);
    return rows;
  }

  /** Waits until every recipient's send was accepted by the fake Graph API; returns their wamids. */
  async function acceptedSends(w: World, campaignId: string, n: number) {
    return waitFor(
      async () => {
        const rows = await recipients(w, campaignId);
        const ids = rows.map((row) => row.messageId).filter((id): id is string => id !== null);
        if (ids.length < n) return undefined;
        const messages = await withTenant(database.db, w.tenantId, (trx) =>
          trx
            .selectFrom('messages')
            .select(['id', 'providerMessageId'])
            .where('id', 'in', ids)
            .where('providerMessageId', 'is not', null)
            .execute(),
        );
        if (messages.length < n) return undefined;
        return rows.map((row) => ({
          contactId: row.contactId,
          messageId: row.messageId as string,
          wamid: messages.find((m) => m.id === row.messageId)?.providerMessageId as string,
        }));
      },
      { timeoutMs: 30_000, description: 'the sends accepted' },
    );
  }

  it("a rule on 'delivered' acts on the recipient whose message was delivered, through the automation runner", async () => {
    const w = await world();
    const people = await contacts(w, 2);
    const campaign = await draft(w);
    const stage = await withTenant(database.db, w.tenantId, (trx) =>
      createStage(trx, { name: `Delivered ${randomInt(1e9)}`, outcome: 'open', autoEvent: null }),
    );
    const rule = await w.api('POST', '/api/v1/automations', {
      name: 'Delivered: move to the stage',
      trigger: { type: 'campaign_event', event: 'delivered', campaignId: campaign.id },
      actions: [{ type: 'move_stage', stageId: stage.id }],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const ruleId = (rule.json() as { id: string }).id;
    expect((await w.api('POST', `/api/v1/automations/${ruleId}/enable`)).statusCode).toBe(200);

    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await untilStatus(w, campaign.id, 'completed');
    const sends = await acceptedSends(w, campaign.id, 2);
    const delivered = sends.find((send) => send.contactId === people[0]!.id)!;
    const fixture = {
      tenantId: w.tenantId,
      channelId: w.channelId,
      phoneE164: people[0]!.phoneE164,
    } as Parameters<typeof insertStatus>[1];
    await insertStatus(database.db, fixture, delivered.wamid, 'delivered', new Date());
    await withTenant(database.db, w.tenantId, (trx) => applyPendingStatuses(trx, w.channelId));

    // The minute's sweep for this workspace; the worker runs the evaluation and the run.
    await withTenant(database.db, w.tenantId, (trx) => queueDueRules(trx, new Date(), 'test-sweep'));
    const runs = await waitFor(
      async () => {
        const rows = await withTenant(database.db, w.tenantId, (trx) =>
          trx.selectFrom('automationRuns').selectAll().where('ruleId', '=', ruleId).execute(),
        );
        return rows.length > 0 && rows.every((run) => run.status !== 'pending') ? rows : undefined;
      },
      { timeoutMs: 30_000, description: 'the rule ran' },
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ contactId: people[0]!.id, status: 'done' });
    const stages = await withTenant(database.db, w.tenantId, (trx) =>
      trx
        .selectFrom('contacts')
        .select(['id', 'stageId'])
        .where(
          'id',
          'in',
          people.map((p) => p.id),
        )
        .execute(),
    );
    expect(stages.find((c) => c.id === people[0]!.id)?.stageId).toBe(stage.id);
    expect(stages.find((c) => c.id === people[1]!.id)?.stageId).not.toBe(stage.id);

    // A second sweep finds nothing new: the delivery was one event, acted on once.
    await withTenant(database.db, w.tenantId, (trx) =>
      trx.updateTable('automationRules').set({ nextRunAt: new Date() }).where('id', '=', ruleId).execute(),
    );
    await withTenant(database.db, w.tenantId, (trx) => queueDueRules(trx, new Date(), 'test-sweep'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await withTenant(database.db, w.tenantId, (trx) =>
      trx.selectFrom('automationRuns').select('id').where('ruleId', '=', ruleId).execute(),
    );
    expect(after).toHaveLength(1);
  });

  it('records each status change once: repeated, concurrent and regressing statuses add no event', async () => {
    const w = await world();
    const [person] = await contacts(w, 1);
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await untilStatus(w, campaign.id, 'completed');
    const [send] = await acceptedSends(w, campaign.id, 1);
    expect(await campaignEvents(w, campaign.id)).toEqual([{ contactId: person!.id, event: 'sent' }]);

    const delivered = [{ messageId: send!.messageId, status: 'delivered' as const, errorCode: null }];
    // The same delivery applied twice at once (two webhook deliveries), then once more later.
    await Promise.all([
      withTenant(database.db, w.tenantId, (trx) => applyOutcomes(trx, delivered)),
      withTenant(database.db, w.tenantId, (trx) => applyOutcomes(trx, delivered)),
    ]);
    await withTenant(database.db, w.tenantId, (trx) => applyOutcomes(trx, delivered));
    const read = [{ messageId: send!.messageId, status: 'read' as const, errorCode: null }];
    await withTenant(database.db, w.tenantId, (trx) => applyOutcomes(trx, read));
    // Late and out of order: a delivery after the read, and a failure after it, move nothing.
    await withTenant(database.db, w.tenantId, (trx) => applyOutcomes(trx, delivered));
    await withTenant(database.db, w.tenantId, (trx) =>
      applyOutcomes(trx, [{ messageId: send!.messageId, status: 'failed', errorCode: 131026 }]),
    );
    expect((await recipients(w, campaign.id))[0]).toMatchObject({ status: 'read', errorCode: null });

    // The customer answers twice: one reply event.
    for (const body of ['Tell me more', 'Hello?']) {
      const status = await deliverMessages(
        { app, channelId: w.channelId, phoneNumberId: w.phoneNumberId, appSecret: 'app-secret' },
        [inbound.text({ id: wamid(), from: person!.phoneE164.slice(1), body })],
      );
      expect(status).toBe(200);
    }
    await waitFor(async () => (await recipients(w, campaign.id))[0]?.status === 'replied', {
      timeoutMs: 60_000,
      description: 'the recipient replied',
    });
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from messages m join conversations c on c.id = m.conversation_id
          where c.contact_id = ${person!.id} and m.direction = 'inbound'`.execute(database.ownerDb);
        return rows[0]?.n === 2;
      },
      { timeoutMs: 60_000, description: 'both replies stored' },
    );
    expect((await campaignEvents(w, campaign.id)).map((e) => e.event)).toEqual([
      'sent',
      'delivered',
      'read',
      'replied',
    ]);
  });

  it('a failure and an opt-out by the provider are one event each', async () => {
    const w = await world();
    const [undeliverable, stopped] = await contacts(w, 2);
    fake.fail({ kind: 'graph-error', code: 131026 }, { recipient: undeliverable!.phoneE164.slice(1) });
    fake.fail({ kind: 'graph-error', code: 131050 }, { recipient: stopped!.phoneE164.slice(1) });
    const campaign = await draft(w);
    await w.api('POST', `/api/v1/campaigns/${campaign.id}/launch`, {});
    await waitFor(
      async () => {
        const rows = await recipients(w, campaign.id);
        return rows.every((row) => row.status === 'failed' || row.status === 'opted_out') || undefined;
      },
      { timeoutMs: 30_000, description: 'both recipients settled' },
    );
    const events = await campaignEvents(w, campaign.id);
    const of = (id: string) => events.filter((e) => e.contactId === id).map((e) => e.event);
    expect(of(undeliverable!.id)).toEqual(['sent', 'failed']);
    expect(of(stopped!.id)).toEqual(['sent', 'opted_out']);
  });
});
