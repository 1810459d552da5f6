import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveRequest, settleRequest } from '../../src/agent/llm/budget.repository.js';
import { NO_LLM_LIMITS } from '../../src/agent/llm/llm-settings.repository.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import {
  changePlan,
  reserveCampaignRecipients,
  workspaceCanAutomate,
} from '../../src/plans/plans.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { messages, unixSeconds } from '../fakes/meta-webhook-client.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { buildTestApp } from '../support/app.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { conversationKeyOf, deliverMessages, runProcessInbound } from '../support/inbound-pipeline.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Workspace plans: the instance operator's API and CLI, the meters counted from real rows, and every rule
 * of enforcement (inbound always stored; bot paused; members and channels refused over their limits).
 */

const OPERATOR_TOKEN = 'operator-token-0123456789abcdefghijklmnopqrstuv';
const APP_SECRET = 'app-secret-plans-0123456789abcdef';
const CONTEXT = { requestId: 'plans-test', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;

interface Workspace {
  tenantId: string;
  owner: SignedInMember;
  channelId: string;
  phoneNumberId: string;
}

let channelSequence = 0;
let phoneSequence = 0;
const newCustomer = () => `39335${String(1_000_000 + ++phoneSequence).slice(1)}0`;

async function workspaceWithChannel(name: string): Promise<Workspace> {
  const tenantId = await newTenant(database.db, name);
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const phoneNumberId = `20000000${String(++channelSequence).padStart(4, '0')}`;
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Sales line',
      phoneNumberId,
      displayPhoneNumber: '+1 555 078 3881',
      wabaId: '102290129340398',
      accessToken: 'EAAG-plans-token',
      appSecret: APP_SECRET,
      markAsRead: false,
    },
  );
  return { tenantId, owner, channelId: created.channel.id, phoneNumberId };
}

const operator = (
  method: 'GET' | 'PATCH' | 'POST',
  url: string,
  payload?: unknown,
  token: string | null = OPERATOR_TOKEN,
) =>
  app.inject({
    method,
    url: `/api/operator/v1/workspaces/${url}`,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

let secondsSequence = 0;
/** A customer's text through the signed webhook (200 = stored), then the processing job. */
async function customerSays(workspace: Workspace, from: string, body: string) {
  const timestamp = unixSeconds(new Date(Date.UTC(2026, 11, 1, 9, 0, ++secondsSequence)));
  const target = {
    app,
    channelId: workspace.channelId,
    phoneNumberId: workspace.phoneNumberId,
    appSecret: APP_SECRET,
  };
  expect(await deliverMessages(target, [messages.text({ from, body, timestamp })])).toBe(200);
  await runProcessInbound(database.db, workspace.tenantId, workspace.channelId, from);
}

/** The conversation of `from` as the inbox API shows it, with its messages. */
async function inboxView(workspace: Workspace, from: string) {
  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/conversations',
    headers: workspace.owner.headers,
  });
  expect(list.statusCode, list.body).toBe(200);
  const phone = `+${conversationKeyOf(from)}`;
  const conversation = (list.json().items as { id: string; contact: { phoneE164: string } }[]).find(
    (item) => item.contact.phoneE164 === phone,
  );
  if (!conversation) return { conversation: undefined, messages: [] };
  const page = await app.inject({
    method: 'GET',
    url: `/api/v1/conversations/${conversation.id}/messages`,
    headers: workspace.owner.headers,
  });
  expect(page.statusCode, page.body).toBe(200);
  const items = page.json().items as { author: string; text: string | null; direction: string }[];
  return { conversation, messages: items };
}

const planOf = async (workspace: Workspace) => {
  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/workspace/plan',
    headers: workspace.owner.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database, env: { OPERATOR_API_TOKEN: OPERATOR_TOKEN } }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('the operator API', () => {
  it('answers only the operator token: none, a wrong one, a shorter one and a member session get 401', async () => {
    const workspace = await workspaceWithChannel('Guarded');
    expect((await operator('GET', `${workspace.tenantId}/plan`, undefined, null)).statusCode).toBe(401);
    const wrong = OPERATOR_TOKEN.replace(/.$/, 'X');
    expect((await operator('GET', `${workspace.tenantId}/plan`, undefined, wrong)).statusCode).toBe(401);
    expect((await operator('GET', `${workspace.tenantId}/plan`, undefined, 'short')).statusCode).toBe(401);
    const asMember = await app.inject({
      method: 'POST',
      url: `/api/operator/v1/workspaces/${workspace.tenantId}/suspend`,
      headers: workspace.owner.headers,
    });
    expect(asMember.statusCode).toBe(401);
    expect(asMember.json().error.code).toBe('unauthenticated');
    expect((await planOf(workspace)).state).toBe('active');
  });

  it('refuses bad input with 4xx and an unknown workspace with 404', async () => {
    const workspace = await workspaceWithChannel('Bad input');
    const url = `${workspace.tenantId}/plan`;
    for (const body of [
      { limits: { members: -1 } },
      { limits: { members: 1.5 } },
      { limits: { seats: 3 } },
      { state: 'paused' },
      { state: 'trial' },
      { state: 'trial', trialEndsAt: 'tomorrow' },
      { suspendedReason: 'x'.repeat(501) },
      { limits: { llmSpendUsd: '10' } },
      [],
    ]) {
      const response = await operator('PATCH', url, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toMatch(/^(validation_failed|bad_request)$/);
    }
    expect((await operator('GET', 'not-a-uuid/plan')).statusCode).toBe(400);
    const unknown = await operator('PATCH', '00000000-0000-4000-8000-000000000000/plan', {
      limits: { members: 1 },
    });
    expect(unknown.statusCode).toBe(404);
    expect((await planOf(workspace)).meters.every((m: { limit: unknown }) => m.limit === null)).toBe(true);
  });

  it('sets limits and a trial, keeps what is left out, audits the change, and touches no other workspace', async () => {
    const workspace = await workspaceWithChannel('Limited');
    const other = await workspaceWithChannel('Untouched');
    const trialEndsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const first = await operator('PATCH', `${workspace.tenantId}/plan`, {
      state: 'trial',
      trialEndsAt,
      limits: { members: 5, channels: 2, conversations: 100, llmSpendUsd: 12.5, campaignRecipients: 1000 },
    });
    expect(first.statusCode, first.body).toBe(200);
    const second = await operator('PATCH', `${workspace.tenantId}/plan`, { limits: { members: 7 } });
    expect(second.json()).toMatchObject({
      state: 'trial',
      trialEndsAt,
      limits: { members: 7, channels: 2, conversations: 100, llmSpendUsd: 12.5, campaignRecipients: 1000 },
      automation: { allowed: true, llm: true, reasons: [] },
    });
    expect(await planOf(workspace)).toMatchObject({ state: 'trial', limits: { members: 7 } });
    expect(await planOf(other)).toMatchObject({ state: 'active', limits: { members: null, channels: null } });
    const audit = await withTenant(database.db, workspace.tenantId, (trx) =>
      trx.selectFrom('auditLog').select(['action', 'detail']).where('action', '=', 'plan.changed').execute(),
    );
    expect(audit).toHaveLength(2);
    expect(audit[1]?.detail).toMatchObject({
      state: 'trial',
      limits: { members: 7, llmSpendMicros: 12_500_000 },
    });
  });
});

describe('meters count real data', () => {
  it('members with pending invitations, channels, conversations and LLM spend this month', async () => {
    const workspace = await workspaceWithChannel('Metered');
    await signedInMember(database.db, config, { tenantId: workspace.tenantId, role: 'agent' });
    const invite = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: workspace.owner.headers,
      payload: { email: 'new-member@example.com', role: 'agent' },
    });
    expect(invite.statusCode, invite.body).toBe(201);
    await customerSays(workspace, newCustomer(), 'Hello');
    await customerSays(workspace, newCustomer(), 'Hi there');
    const now = new Date();
    await withTenant(database.db, workspace.tenantId, async (trx) => {
      await reserveRequest(trx, NO_LLM_LIMITS, now);
      await settleRequest(trx, now, { tokens: 100, costMicros: 2_500_000 });
    });
    // A conversation from last month does not count this month.
    await sql`update conversations set created_at = now() - interval '40 days'
      where id = (select id from conversations where tenant_id = ${workspace.tenantId} limit 1)`.execute(
      database.ownerDb,
    );
    const plan = await planOf(workspace);
    const used = Object.fromEntries(
      plan.meters.map((m: { meter: string; used: number }) => [m.meter, m.used]),
    );
    expect(used).toEqual({
      members: 3,
      channels: 1,
      conversations: 1,
      llmSpendUsd: 2.5,
      campaignRecipients: 0,
    });
    expect(plan.periodStart).toBe(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    );
  });
});

describe('a suspended workspace', () => {
  it('still stores every inbound message and shows it in the inbox; the bot does not answer until activated', async () => {
    const workspace = await workspaceWithChannel('Suspended');
    const suspended = await operator('POST', `${workspace.tenantId}/suspend`, { reason: 'Invoice unpaid' });
    expect(suspended.statusCode, suspended.body).toBe(200);
    const from = newCustomer();
    await customerSays(workspace, from, 'Hello, is anyone there?');
    await customerSays(workspace, from, 'I would like a quote');

    const view = await inboxView(workspace, from);
    expect(view.conversation).toBeDefined();
    expect(view.messages.map((m) => [m.author, m.text])).toEqual([
      ['customer', 'Hello, is anyone there?'],
      ['customer', 'I would like a quote'],
    ]);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from whatsapp_inbound where processed_at is null and channel_id = ${workspace.channelId}`.execute(
      database.ownerDb,
    );
    expect(rows[0]?.n).toBe(0);
    expect((await planOf(workspace)).automation).toEqual({
      allowed: false,
      llm: false,
      reasons: ['suspended'],
      llmSpendReached: false,
    });
    expect((await planOf(workspace)).suspendedReason).toBe('Invoice unpaid');

    const activated = await operator('POST', `${workspace.tenantId}/activate`);
    expect(activated.statusCode, activated.body).toBe(200);
    await customerSays(workspace, from, 'Hello again');
    const after = await inboxView(workspace, from);
    expect(after.messages.filter((m) => m.author === 'bot').length).toBeGreaterThan(0);
  });

  it('an ended trial and a used-up monthly conversation limit pause the bot the same way', async () => {
    const trial = await workspaceWithChannel('Trial over');
    await changePlan(database.db, trial.tenantId, {
      state: 'trial',
      trialEndsAt: new Date(Date.now() - 60_000),
    });
    const from = newCustomer();
    await customerSays(trial, from, 'Hello');
    expect((await inboxView(trial, from)).messages.map((m) => m.author)).toEqual(['customer']);
    expect((await planOf(trial)).automation.reasons).toEqual(['trial_ended']);

    const running = await workspaceWithChannel('Trial running');
    await changePlan(database.db, running.tenantId, {
      state: 'trial',
      trialEndsAt: new Date(Date.now() + 86_400_000),
    });
    const welcome = newCustomer();
    await customerSays(running, welcome, 'Hello');
    expect((await inboxView(running, welcome)).messages.some((m) => m.author === 'bot')).toBe(true);

    const capped = await workspaceWithChannel('Capped');
    await changePlan(database.db, capped.tenantId, { limits: { conversations: 1 } });
    const firstCustomer = newCustomer();
    await customerSays(capped, firstCustomer, 'Hello');
    expect((await inboxView(capped, firstCustomer)).messages.some((m) => m.author === 'bot')).toBe(true);
    const secondCustomer = newCustomer();
    await customerSays(capped, secondCustomer, 'Hello');
    expect((await inboxView(capped, secondCustomer)).messages.map((m) => m.author)).toEqual(['customer']);
    expect((await planOf(capped)).automation.reasons).toEqual(['conversations_limit']);
  });
});

describe('limits on members and channels', () => {
  it('refuses an invitation over the member limit (pending invitations count) with 403 plan_limit_reached', async () => {
    const workspace = await workspaceWithChannel('Two seats');
    await changePlan(database.db, workspace.tenantId, { limits: { members: 2 } });
    const invite = (email: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/invitations',
        headers: workspace.owner.headers,
        payload: { email, role: 'agent' },
      });
    expect((await invite('first@example.com')).statusCode).toBe(201);
    const refused = await invite('second@example.com');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'plan_limit_reached' });
    expect(refused.json().error.message).toContain('at most 2 members');
    const pending = await withTenant(database.db, workspace.tenantId, (trx) =>
      trx.selectFrom('invitations').select('email').where('revokedAt', 'is', null).execute(),
    );
    expect(pending.map((row) => row.email)).toEqual(['first@example.com']);
    await changePlan(database.db, workspace.tenantId, { limits: { members: null } });
    expect((await invite('second@example.com')).statusCode).toBe(201);
  });

  it('refuses a new channel over the channel limit with 403 plan_limit_reached', async () => {
    const workspace = await workspaceWithChannel('One line');
    await changePlan(database.db, workspace.tenantId, { limits: { channels: 1 } });
    const body = {
      name: 'Second line',
      phoneNumberId: `21000000${String(++channelSequence).padStart(4, '0')}`,
      displayPhoneNumber: '+49 30 1234567',
      wabaId: '102290129340398',
      accessToken: 'EAAG-plans-token-2',
      appSecret: APP_SECRET,
    };
    const create = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/whatsapp/channels',
        headers: workspace.owner.headers,
        payload: body,
      });
    const refused = await create();
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('plan_limit_reached');
    const channels = await withTenant(database.db, workspace.tenantId, (trx) =>
      trx.selectFrom('whatsappChannels').select('id').execute(),
    );
    expect(channels).toHaveLength(1);
    await changePlan(database.db, workspace.tenantId, { limits: { channels: 2 } });
    const second = await create();
    expect(second.statusCode).toBe(201);
    // A disabled channel frees its slot; enabling it again over the limit is refused.
    const toggle = (id: string, action: 'disable' | 'enable') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/whatsapp/channels/${id}/${action}`,
        headers: workspace.owner.headers,
      });
    expect((await toggle(second.json().id, 'disable')).statusCode).toBe(200);
    await changePlan(database.db, workspace.tenantId, { limits: { channels: 1 } });
    const enable = await toggle(second.json().id, 'enable');
    expect(enable.statusCode).toBe(403);
    expect(enable.json().error.code).toBe('plan_limit_reached');
    expect((await toggle(workspace.channelId, 'enable')).statusCode).toBe(200);
  });
});

describe('the gate for campaigns and automations', () => {
  it('workspaceCanAutomate says why; campaign recipients are reserved up to the monthly limit', async () => {
    const workspace = await workspaceWithChannel('Campaigner');
    const inTenant = <T>(work: Parameters<typeof withTenant<T>>[2]) =>
      withTenant(database.db, workspace.tenantId, work);
    expect(await inTenant((trx) => workspaceCanAutomate(trx))).toEqual({
      allowed: true,
      llm: true,
      reasons: [],
      llmSpendReached: false,
    });
    await changePlan(database.db, workspace.tenantId, { limits: { campaignRecipients: 10 } });
    await inTenant((trx) => reserveCampaignRecipients(trx, 6));
    await expect(inTenant((trx) => reserveCampaignRecipients(trx, 5))).rejects.toMatchObject({
      code: 'plan_limit_reached',
    });
    await inTenant((trx) => reserveCampaignRecipients(trx, 4));
    const meter = (await planOf(workspace)).meters.find(
      (m: { meter: string }) => m.meter === 'campaignRecipients',
    );
    expect(meter).toEqual({ meter: 'campaignRecipients', used: 10, limit: 10, period: 'month' });

    await changePlan(database.db, workspace.tenantId, { state: 'suspended' });
    expect(await inTenant((trx) => workspaceCanAutomate(trx))).toMatchObject({
      allowed: false,
      reasons: ['suspended'],
    });
    await changePlan(database.db, workspace.tenantId, {
      state: 'active',
      limits: { campaignRecipients: null },
    });
    await expect(inTenant((trx) => reserveCampaignRecipients(trx, 1))).resolves.toBeUndefined();
  });
});

describe('leadline workspace plan|suspend|activate', () => {
  it('the operator changes a plan from the CLI and reads it back', { timeout: 240_000 }, async () => {
    const workspace = await workspaceWithChannel('By CLI');
    const cwd = mkdtempSync(path.join(tmpdir(), 'leadline-plans-'));
    const env = {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET_KEY,
      DATA_DIR: cwd,
      DATABASE_URL: database.ownerUrl,
      DATABASE_APP_URL: database.appUrl,
      LOG_LEVEL: 'warn',
    };
    try {
      const set = await runLeadline(
        [
          'workspace',
          'plan',
          workspace.tenantId,
          '--members',
          '4',
          '--llm-spend',
          '20.50',
          '--channels',
          'none',
        ],
        env,
        cwd,
        75_000,
      );
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toContain('state: active');
      expect(set.stdout).toContain('members: 1 / 4');
      expect(set.stdout).toContain('LLM spend this month (USD): 0.00 / 20.50');
      expect(set.stdout).toContain('channels: 1 / unlimited');

      const suspended = await runLeadline(
        ['workspace', 'suspend', workspace.tenantId, '--reason', 'Trial abuse'],
        env,
        cwd,
        75_000,
      );
      expect(suspended.code, suspended.stderr).toBe(0);
      expect(suspended.stdout).toContain('bot and automations: paused (suspended)');
      expect((await planOf(workspace)).state).toBe('suspended');

      const activated = await runLeadline(['workspace', 'activate', workspace.tenantId], env, cwd, 75_000);
      expect(activated.code, activated.stderr).toBe(0);
      expect(activated.stdout).toContain('bot and automations: running');
      expect(await planOf(workspace)).toMatchObject({
        state: 'active',
        limits: { members: 4, llmSpendUsd: 20.5 },
      });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
