import { randomInt, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APPLY_RUN_TASK,
  createAutomationTasks,
  createRunHubspotTask,
  EVALUATE_RULE_TASK,
  evaluateAndQueue,
  queueDueRules,
} from '../../src/automations/automations.tasks.js';
import { recordCampaignEvent } from '../../src/automations/campaign-events.js';
import { applyRun } from '../../src/automations/runner.js';
import { nextOccurrence, occurrenceKey } from '../../src/automations/schedule.js';
import { createSmsSendMessageTask } from '../../src/channels/twilio/sms-send.task.js';
import { createTwilioRuntime, type TwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { createStage, listStages, moveContact } from '../../src/contacts/pipeline/pipeline.js';
import { queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import { connectHubspot, hubspotSecretBox } from '../../src/integrations/hubspot/connection.service.js';
import { createHubspotRuntime, type HubspotRuntime } from '../../src/integrations/hubspot/hubspot-runtime.js';
import { insertLabel } from '../../src/labels/labels.repository.js';
import { workspaceCanAutomate } from '../../src/plans/plans.service.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { createOutboundClient } from '../../src/platform/http/outbound/outbound-client.js';
import type { AnyTask } from '../../src/platform/jobs/task.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { FAKE_HUBSPOT_TOKEN, type FakeHubspot, startFakeHubspot } from '../fakes/hubspot.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';
import { captureLogger } from '../support/log-capture.js';
import {
  createConversation,
  type OutboundHarness,
  outboundHarness,
  runTask,
} from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';

/**
 * Automations end to end on a real database: rules over the API (and their bad inputs), the sweep, the
 * evaluation's windows, caps and idempotency, every action (the WhatsApp template through the fake Graph
 * API, the SMS through the fake Twilio, the HubSpot task through the fake HubSpot), consent re-checked at
 * send time, the kill switch, the dry run and the run history.
 */

const logs = captureLogger();
let world: CallbackWorld;
let graph: FakeGraphApi;
let hub: FakeHubspot;
let harness: OutboundHarness;
let twilio: TwilioRuntime;
let hubspot: HubspotRuntime;
let tasks: AnyTask[];
let whatsappSend: ReturnType<typeof createSendMessageTask>;
let smsSend: ReturnType<typeof createSmsSendMessageTask>;
let admin: SignedInMember;
let agent: SignedInMember;
let tenantId: string;
let channelId: string;

const HOUR = 3_600_000;

beforeAll(async () => {
  graph = await startFakeGraphApi();
  hub = await startFakeHubspot({ maxPerInterval: 1000, intervalMs: 1000 });
  world = await startCallbackWorld({
    worker: false,
    env: { WHATSAPP_GRAPH_API_URL: graph.url, HUBSPOT_API_URL: hub.url },
  });
  tenantId = world.tenantId;
  harness = outboundHarness(world.database, world.config, graph, logs.logger);
  whatsappSend = createSendMessageTask(harness.outbound);
  twilio = createTwilioRuntime({ config: world.config, db: world.database.db });
  smsSend = createSmsSendMessageTask({ rest: twilio.rest, config: world.config });
  const hubHttp = createOutboundClient({
    connectTimeoutMs: 1_000,
    timeoutMs: 2_000,
    allowPrivateHosts: [new URL(hub.url).host],
    retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 1_000 },
  });
  hubspot = createHubspotRuntime({ config: world.config, http: hubHttp });
  tasks = createAutomationTasks({
    db: world.database.db,
    hubspot: { client: hubspot.client, box: hubspotSecretBox(world.config) },
  });
  admin = await signedInMember(world.database.db, world.config, { tenantId, role: 'admin' });
  agent = await signedInMember(world.database.db, world.config, { tenantId, role: 'agent' });
  const first = await createConversation(world.database.db, world.config, {
    tenantId,
    accessToken: graph.accessToken,
  });
  channelId = first.channelId;
  graph.addPhoneNumber(first.phoneNumberId);
});

afterAll(async () => {
  await harness?.close();
  await twilio?.close();
  await hubspot?.close();
  await world?.close();
  await graph?.close();
  await hub?.close();
});

const db = () => world.database.db;
const owner = () => world.database.ownerDb;
const inTenant = <T>(work: (trx: TenantTransaction) => Promise<T>, tenant = tenantId) =>
  withTenant(db(), tenant, work);

function api(
  member: SignedInMember,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return world.app.inject({
    method,
    url,
    headers: member.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

function task(id: string): AnyTask {
  const found = tasks.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no task ${id}`);
  return found;
}

/** No rule of an earlier test acts in a later one. */
beforeEach(async () => {
  await owner().updateTable('automationRules').set({ enabled: false, nextRunAt: null }).execute();
  await owner().deleteFrom('automationHalts').execute();
});

/** A WhatsApp contact whose last message is ours, sent `hoursAgo` hours ago, and who opted in (or not). */
async function silentWhatsappContact(options: {
  hoursAgo: number;
  consent?: 'opted_in' | 'opted_out' | null;
}) {
  const fixture = await createConversation(db(), world.config, {
    tenantId,
    accessToken: graph.accessToken,
    channelId,
  });
  const sentAt = new Date(Date.now() - options.hoursAgo * HOUR);
  await inTenant(async (trx) => {
    await trx
      .updateTable('contacts')
      .set({ firstName: `Ada${randomInt(1000)}`, phoneE164: `+39333${randomInt(1_000_000, 9_999_999)}` })
      .where('id', '=', fixture.contactId)
      .execute();
    const { message } = await queueOutboundMessage(trx, {
      conversationId: fixture.conversationId,
      author: 'operator',
      body: { type: 'text', text: 'Here is our offer' },
      idempotencyKey: `seed-${randomUUID()}`,
      withSendJob: false,
      requestId: 'seed',
    });
    await trx
      .updateTable('messages')
      .set({ sentAt, createdAt: sentAt, status: 'sent' })
      .where('id', '=', message.id)
      .execute();
    await trx
      .updateTable('conversations')
      .set({ lastMessageAt: sentAt })
      .where('id', '=', fixture.conversationId)
      .execute();
    const consent = options.consent === undefined ? 'opted_in' : options.consent;
    if (consent)
      await recordConsent(trx, {
        contactId: fixture.contactId,
        channel: 'whatsapp',
        state: consent,
        source: 'customer',
      });
  });
  const contact = await owner()
    .selectFrom('contacts')
    .selectAll()
    .where('id', '=', fixture.contactId)
    .executeTakeFirstOrThrow();
  return { ...fixture, contact };
}

const followUpRule = (extra: Record<string, unknown> = {}) => ({
  name: 'No reply 24 h: follow-up',
  trigger: { type: 'silence', lastMessage: 'outbound', hours: 24 },
  actions: [
    {
      type: 'send_template',
      template: {
        name: 'follow_up',
        language: 'en',
        variables: [{ source: 'contact.firstName', fallback: 'there' }],
      },
    },
  ],
  ...extra,
});

async function createRule(body: unknown, enable = true) {
  const created = await api(admin, 'POST', '/api/v1/automations', body);
  expect(created.statusCode, created.body).toBe(201);
  const rule = created.json() as { id: string };
  if (enable)
    expect((await api(admin, 'POST', `/api/v1/automations/${rule.id}/enable`)).statusCode).toBe(200);
  return rule.id;
}

/** What the minute's sweep does for this workspace, then each queued evaluation and run, as the worker would. */
async function sweepAndApply(now = new Date()) {
  await inTenant((trx) => queueDueRules(trx, now, 'test-sweep'));
  const evaluations = await jobsOfTask(owner(), EVALUATE_RULE_TASK.id);
  for (const job of evaluations) {
    const { ruleId } = (job.payload as { payload: { ruleId: string } }).payload;
    await inTenant((trx) => evaluateAndQueue(trx, ruleId, 'test', now));
    await sql`delete from graphile_worker._private_jobs where id = ${job.id}::bigint`.execute(owner());
  }
  const applies = await jobsOfTask(owner(), APPLY_RUN_TASK.id);
  for (const job of applies) {
    await runTask(db(), task(APPLY_RUN_TASK.id), tenantId, (job.payload as { payload: unknown }).payload, {
      logger: logs.logger,
    });
    await sql`delete from graphile_worker._private_jobs where id = ${job.id}::bigint`.execute(owner());
  }
  return applies.length;
}

const runsOf = (ruleId: string) =>
  owner()
    .selectFrom('automationRuns')
    .selectAll()
    .where('ruleId', '=', ruleId)
    .orderBy('createdAt')
    .execute();

async function sendPendingWhatsapp(conversationId: string) {
  const pending = await owner()
    .selectFrom('messages')
    .select('id')
    .where('conversationId', '=', conversationId)
    .where('status', '=', 'pending')
    .execute();
  for (const { id } of pending) {
    await runTask(db(), whatsappSend, tenantId, { messageId: id }, { logger: logs.logger });
  }
  return pending.length;
}

describe('the kill switch (contract C5)', () => {
  it('stops the bot, campaigns and automations at once; anyone pulls it, only admins lift it; audited', async () => {
    expect((await inTenant((trx) => workspaceCanAutomate(trx))).allowed).toBe(true);
    const pulled = await api(agent, 'POST', '/api/v1/automations/kill-switch', {
      reason: 'Wrong template went out',
    });
    expect(pulled.statusCode, pulled.body).toBe(200);
    expect(pulled.json()).toMatchObject({
      halted: true,
      reason: 'Wrong template went out',
      haltedByUserId: agent.userId,
    });
    expect(await inTenant((trx) => workspaceCanAutomate(trx))).toEqual({
      allowed: false,
      llm: false,
      reasons: ['automations_halted'],
      llmSpendReached: false,
    });
    // The plan page and the session's banner say why.
    const plan = await api(agent, 'GET', '/api/v1/workspace/plan');
    expect(plan.json().automation).toMatchObject({ allowed: false, reasons: ['automations_halted'] });
    const session = await api(agent, 'GET', '/api/v1/auth/session');
    expect(session.json().automation).toMatchObject({ allowed: false, reasons: ['automations_halted'] });

    // Pulling it again keeps the first reason; an agent cannot lift it.
    await api(admin, 'POST', '/api/v1/automations/kill-switch', {});
    expect((await api(agent, 'GET', '/api/v1/automations/kill-switch')).json().reason).toBe(
      'Wrong template went out',
    );
    expect((await api(agent, 'DELETE', '/api/v1/automations/kill-switch')).statusCode).toBe(403);
    const lifted = await api(admin, 'DELETE', '/api/v1/automations/kill-switch');
    expect(lifted.json()).toEqual({ halted: false, haltedAt: null, haltedByUserId: null, reason: null });
    expect((await inTenant((trx) => workspaceCanAutomate(trx))).allowed).toBe(true);

    const audit = await owner()
      .selectFrom('auditLog')
      .select(['action', 'actorUserId'])
      .where('tenantId', '=', tenantId)
      .where('action', 'in', ['automations.halted', 'automations.resumed'])
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'automations.halted', actorUserId: agent.userId },
      { action: 'automations.resumed', actorUserId: admin.userId },
    ]);
  });

  it('refuses a bad body with a 400', async () => {
    for (const body of [{ reason: '' }, { reason: 'x'.repeat(501) }, { other: 1 }]) {
      const response = await api(admin, 'POST', '/api/v1/automations/kill-switch', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
  });
});

describe('no reply 24 h → follow-up template', () => {
  it('dry run lists the contact; enabled, the sweep sends the template once through the send ledger', async () => {
    const silent = await silentWhatsappContact({ hoursAgo: 25 });
    const recent = await silentWhatsappContact({ hoursAgo: 2 });
    const ruleId = await createRule(followUpRule(), false);

    const dry = await api(agent, 'POST', `/api/v1/automations/${ruleId}/dry-run`);
    expect(dry.statusCode, dry.body).toBe(200);
    const touched = dry.json().items.map((item: { contactId: string }) => item.contactId);
    expect(touched).toContain(silent.contactId);
    expect(touched).not.toContain(recent.contactId);
    // A dry run writes nothing and sends nothing; a disabled rule is not swept.
    expect(await runsOf(ruleId)).toEqual([]);
    await sweepAndApply();
    expect(await runsOf(ruleId)).toEqual([]);

    expect((await api(admin, 'POST', `/api/v1/automations/${ruleId}/enable`)).json().enabled).toBe(true);
    const sendsBefore = graph.sends().length;
    await sweepAndApply();
    const runs = await runsOf(ruleId);
    const mine = runs.find((run) => run.contactId === silent.contactId);
    expect(mine).toMatchObject({ status: 'done', windowKey: expect.stringMatching(/^message:/) });
    expect(runs.some((run) => run.contactId === recent.contactId)).toBe(false);
    expect(mine?.outcomes).toEqual([
      {
        type: 'send_template',
        outcome: 'done',
        detail: { messageId: expect.any(String), conversationId: silent.conversationId },
      },
    ]);
    expect(await sendPendingWhatsapp(silent.conversationId)).toBe(1);
    const sent = graph
      .sends()
      .slice(sendsBefore)
      .filter((request) => request.body?.to === silent.phoneE164.slice(1));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({
      type: 'template',
      template: {
        name: 'follow_up',
        language: { code: 'en' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: silent.contact.firstName }] }],
      },
    });

    // Idempotent per rule, contact and window: the next sweeps add no run and send nothing more (the
    // follow-up itself does not open a new silence).
    await sweepAndApply(new Date(Date.now() + 30 * HOUR));
    await sweepAndApply(new Date(Date.now() + 60 * HOUR));
    expect((await runsOf(ruleId)).filter((run) => run.contactId === silent.contactId)).toHaveLength(1);
    expect(await sendPendingWhatsapp(silent.conversationId)).toBe(0);

    // Every action is audited.
    const audited = await owner()
      .selectFrom('auditLog')
      .select('detail')
      .where('action', '=', 'automation.action')
      .where(sql<boolean>`detail ->> 'runId' = ${mine?.id ?? ''}`)
      .execute();
    expect(audited.map((row) => row.detail)).toEqual([
      expect.objectContaining({
        ruleId,
        contactId: silent.contactId,
        type: 'send_template',
        outcome: 'done',
      }),
    ]);

    // The history lists the run.
    const history = await api(agent, 'GET', `/api/v1/automations/${ruleId}/runs`);
    expect(history.json().items.map((run: { id: string }) => run.id)).toContain(mine?.id);
  });

  it('re-checks consent at send time: an opted-out contact gets nothing, the run records why', async () => {
    const optedOut = await silentWhatsappContact({ hoursAgo: 30, consent: 'opted_out' });
    const never = await silentWhatsappContact({ hoursAgo: 30, consent: null });
    const ruleId = await createRule(followUpRule());
    await sweepAndApply();
    const runs = await runsOf(ruleId);
    const reasonOf = (contactId: string) => runs.find((run) => run.contactId === contactId)?.outcomes[0];
    expect(reasonOf(optedOut.contactId)).toEqual({
      type: 'send_template',
      outcome: 'skipped',
      reason: 'opted_out',
    });
    expect(reasonOf(never.contactId)).toEqual({
      type: 'send_template',
      outcome: 'skipped',
      reason: 'no_consent',
    });
    expect(await sendPendingWhatsapp(optedOut.conversationId)).toBe(0);
    expect(await sendPendingWhatsapp(never.conversationId)).toBe(0);
  });

  it('caps runs per rule per day', async () => {
    await silentWhatsappContact({ hoursAgo: 26 });
    await silentWhatsappContact({ hoursAgo: 27 });
    const ruleId = await createRule(followUpRule({ dailyCap: 1 }));
    await sweepAndApply();
    await sweepAndApply(new Date(Date.now() + 2 * 60_000));
    expect(await runsOf(ruleId)).toHaveLength(1);
  });

  it('the kill switch stops runs already queued and evaluations alike', async () => {
    const silent = await silentWhatsappContact({ hoursAgo: 28 });
    const ruleId = await createRule(followUpRule());
    await inTenant((trx) => queueDueRules(trx, new Date(), 'test'));
    const evaluation = await inTenant((trx) => evaluateAndQueue(trx, ruleId, 'test'));
    expect(evaluation.runIds.length).toBeGreaterThan(0);
    await api(agent, 'POST', '/api/v1/automations/kill-switch', { reason: 'stop' });
    for (const runId of evaluation.runIds) {
      await inTenant((trx) => applyRun(trx, { queueHubspotTask: async () => {} }, runId, 'test'));
    }
    const runs = await runsOf(ruleId);
    expect(runs.every((run) => run.status === 'skipped' && run.skipReason === 'automations_halted')).toBe(
      true,
    );
    expect(await sendPendingWhatsapp(silent.conversationId)).toBe(0);
    // While halted, a new window makes no run at all.
    await silentWhatsappContact({ hoursAgo: 29 });
    const again = await inTenant((trx) => evaluateAndQueue(trx, ruleId, 'test'));
    expect(again.runIds).toEqual([]);
    await sql`delete from graphile_worker._private_jobs`.execute(owner());
  });
});

describe('other triggers and actions', () => {
  it('stage entered → move stage, add a label, assign and notify the owner', async () => {
    const fixture = await silentWhatsappContact({ hoursAgo: 1 });
    const { stageA, stageB, labelId } = await inTenant(async (trx) => {
      const stages = await listStages(trx);
      const a = await createStage(trx, {
        name: `Proposal ${randomInt(1e6)}`,
        outcome: 'open',
        autoEvent: null,
      });
      const b = await createStage(trx, {
        name: `Follow-up ${randomInt(1e6)}`,
        outcome: 'open',
        autoEvent: null,
      });
      const label = await insertLabel(trx, { name: `Hot ${randomInt(1e6)}`, color: '#ff0000' });
      expect(stages.length).toBeGreaterThan(0);
      return { stageA: a.id, stageB: b.id, labelId: label.id };
    });
    await inTenant(async (trx) => {
      await trx
        .updateTable('contacts')
        .set({ ownerUserId: agent.userId })
        .where('id', '=', fixture.contactId)
        .execute();
    });
    const ruleId = await createRule({
      name: 'Proposal → follow-up stage',
      trigger: { type: 'stage_entered', stageId: stageA },
      actions: [
        { type: 'move_stage', stageId: stageB },
        { type: 'add_label', labelId },
        { type: 'assign', userId: admin.userId },
        { type: 'notify', title: 'A lead entered Proposal' },
      ],
    });
    await inTenant((trx) => moveContact(trx, fixture.contactId, stageA, admin.userId));
    await sweepAndApply();
    const [run] = await runsOf(ruleId);
    expect(run?.status).toBe('done');
    expect(run?.outcomes.map((o) => o.outcome)).toEqual(['done', 'done', 'done', 'done']);
    const contact = await owner()
      .selectFrom('contacts')
      .select('stageId')
      .where('id', '=', fixture.contactId)
      .executeTakeFirstOrThrow();
    expect(contact.stageId).toBe(stageB);
    const conversation = await owner()
      .selectFrom('conversations')
      .select('assigneeUserId')
      .where('id', '=', fixture.conversationId)
      .executeTakeFirstOrThrow();
    expect(conversation.assigneeUserId).toBe(admin.userId);
    const labels = await owner()
      .selectFrom('conversationLabels')
      .select('labelId')
      .where('conversationId', '=', fixture.conversationId)
      .execute();
    expect(labels).toEqual([{ labelId }]);
    const notes = await owner()
      .selectFrom('notifications')
      .selectAll()
      .where('userId', '=', agent.userId)
      .where('kind', '=', 'automation')
      .execute();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ title: 'A lead entered Proposal', subjectId: fixture.contactId });
    // Moved out of the stage, the contact is not named again; the move is its own window.
    await sweepAndApply(new Date(Date.now() + 5 * 60_000));
    expect(await runsOf(ruleId)).toHaveLength(1);
  });

  it('quote sent and not viewed in 48 h → SMS reminder through Twilio', async () => {
    const numberId = (
      await owner()
        .selectFrom('twilioNumbers')
        .select('id')
        .where('phoneE164', '=', world.callerNumber)
        .executeTakeFirstOrThrow()
    ).id;
    const phoneE164 = `+39347${randomInt(1_000_000, 9_999_999)}`;
    const { contactId } = await inTenant(async (trx) => {
      const contact = await trx
        .insertInto('contacts')
        .values({ phoneE164 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('conversations')
        .values({
          channelId: numberId,
          channelKind: 'sms',
          contactId: contact.id,
          agentState: JSON.stringify({}),
          language: null,
          pausedUntil: null,
          lastInboundAt: new Date(),
          lastMessageAt: new Date(),
        })
        .execute();
      await recordConsent(trx, {
        contactId: contact.id,
        channel: 'sms',
        state: 'opted_in',
        source: 'customer',
      });
      const quote = await trx
        .insertInto('quotes')
        .values({
          number: `Q-${randomInt(1e6)}`,
          contactId: contact.id,
          conversationId: null,
          createdByUserId: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('quoteVersions')
        .values({
          quoteId: quote.id,
          version: 1,
          status: 'sent',
          statusChangedAt: new Date(Date.now() - 49 * HOUR),
          currency: 'EUR',
          locale: 'en',
          validUntil: '2099-01-01',
          subtotalMinor: '1000',
          discountMinor: '0',
          taxMinor: '0',
          totalMinor: '1000',
          draftedByUserId: null,
          approvedByUserId: null,
          sentAt: new Date(Date.now() - 49 * HOUR),
        } as never)
        .execute();
      return { contactId: contact.id };
    });
    const ruleId = await createRule({
      name: 'Quote not viewed',
      trigger: { type: 'quote_status', status: 'sent', afterHours: 48 },
      actions: [{ type: 'send_sms', text: 'Did you see our quote? Reply with any question.' }],
    });
    await sweepAndApply();
    const [run] = await runsOf(ruleId);
    expect(run).toMatchObject({
      contactId,
      status: 'done',
      windowKey: expect.stringMatching(/^quote:.*:sent$/),
    });
    const pending = await owner()
      .selectFrom('messages')
      .select('id')
      .where('idempotencyKey', '=', `automation:${run?.id}:0`)
      .executeTakeFirstOrThrow();
    const before = world.twilio.messages.length;
    await runTask(db(), smsSend, tenantId, { messageId: pending.id }, { logger: logs.logger });
    const sent = world.twilio.messages.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: phoneE164, body: 'Did you see our quote? Reply with any question.' });
  });

  it('campaign event → a HubSpot task on the contact, created once', async () => {
    await connectHubspot(
      db(),
      world.config,
      hubspot.client,
      tenantId,
      {
        userId: admin.userId,
        apiKeyId: null,
        context: { requestId: 'test', ip: '127.0.0.1', userAgent: 'vitest' },
      },
      {
        token: FAKE_HUBSPOT_TOKEN,
      },
    );
    const fixture = await silentWhatsappContact({ hoursAgo: 1 });
    const campaignId = randomUUID();
    const ruleId = await createRule({
      name: 'Replied to the campaign',
      trigger: { type: 'campaign_event', event: 'replied', campaignId },
      actions: [{ type: 'hubspot_task', subject: 'Call back: replied to the campaign', dueInHours: 4 }],
    });
    await inTenant((trx) =>
      recordCampaignEvent(trx, { campaignId, contactId: fixture.contactId, event: 'replied' }),
    );
    await inTenant((trx) =>
      recordCampaignEvent(trx, { campaignId: randomUUID(), contactId: fixture.contactId, event: 'replied' }),
    );
    await sweepAndApply();
    const [run, ...others] = await runsOf(ruleId);
    expect(others).toEqual([]);
    const jobs = await jobsOfTask(owner(), 'automations.hubspot-task');
    expect(jobs).toHaveLength(1);
    const input = { runId: run?.id as string, index: 0 };
    const inTenantFn = <T>(work: (trx: TenantTransaction) => Promise<T>) => inTenant(work);
    const deps = { client: hubspot.client, box: hubspotSecretBox(world.config) };
    expect(await createRunHubspotTask(inTenantFn, deps, input)).toBe('created');
    expect(await createRunHubspotTask(inTenantFn, deps, input)).toBe('exists');
    expect(hub.tasks).toHaveLength(1);
    expect(hub.tasks[0]?.properties).toMatchObject({
      hs_task_subject: 'Call back: replied to the campaign',
      hs_task_status: 'NOT_STARTED',
    });
    const after = await runsOf(ruleId);
    expect(after[0]?.outcomes[0]).toEqual({
      type: 'hubspot_task',
      outcome: 'done',
      detail: { hubspotTaskId: hub.tasks[0]?.id },
    });
    await sql`delete from graphile_worker._private_jobs`.execute(owner());
  });

  it('a failing action is retried, and its last failure marks the run failed (the job is dead-lettered)', async () => {
    const fixture = await silentWhatsappContact({ hoursAgo: 1 });
    const stage = await inTenant((trx) =>
      createStage(trx, { name: `Doomed ${randomInt(1e6)}`, outcome: 'open', autoEvent: null }),
    );
    const target = await inTenant((trx) =>
      createStage(trx, { name: `Gone ${randomInt(1e6)}`, outcome: 'open', autoEvent: null }),
    );
    const ruleId = await createRule({
      name: 'Moves to a stage that will be deleted',
      trigger: { type: 'stage_entered', stageId: stage.id },
      actions: [{ type: 'move_stage', stageId: target.id }],
    });
    await inTenant((trx) => moveContact(trx, fixture.contactId, stage.id, null));
    await inTenant((trx) => queueDueRules(trx, new Date(), 'test'));
    const { runIds } = await inTenant((trx) => evaluateAndQueue(trx, ruleId, 'test'));
    await owner().deleteFrom('pipelineStages').where('id', '=', target.id).execute();
    const apply = task(APPLY_RUN_TASK.id);
    await expect(
      runTask(db(), apply, tenantId, { runId: runIds[0] }, { logger: logs.logger, attempt: 1 }),
    ).rejects.toThrow();
    expect((await runsOf(ruleId))[0]?.status).toBe('pending');
    await expect(
      runTask(
        db(),
        apply,
        tenantId,
        { runId: runIds[0] },
        { logger: logs.logger, attempt: APPLY_RUN_TASK.maxAttempts },
      ),
    ).rejects.toThrow();
    expect((await runsOf(ruleId))[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^validation_failed/),
    });
    await sql`delete from graphile_worker._private_jobs`.execute(owner());
  });
});

describe('schedules', () => {
  it('computes daily and weekly occurrences in the workspace time zone', () => {
    const after = new Date('2026-03-28T12:00:00Z'); // a Saturday; Rome is UTC+1 until the 29th
    const daily = nextOccurrence(
      { type: 'schedule', frequency: 'daily', time: '09:30' },
      'Europe/Rome',
      after,
    );
    expect(daily.toISOString()).toBe('2026-03-29T07:30:00.000Z'); // summer time from the 29th
    const weekly = nextOccurrence(
      { type: 'schedule', frequency: 'weekly', time: '09:00', weekday: 1 },
      'Europe/Rome',
      after,
    );
    expect(weekly.toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(occurrenceKey(weekly, 'Europe/Rome')).toBe('day:2026-03-30');
  });
});

describe('the API', () => {
  it('lists with a cursor, reads, replaces, enables, disables and deletes; other workspaces see nothing', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await createRule({ ...followUpRule(), name: `Rule ${i}` }, false));
    const first = await api(agent, 'GET', '/api/v1/automations?limit=2');
    expect(first.json().items).toHaveLength(2);
    const second = await api(agent, 'GET', `/api/v1/automations?limit=2&cursor=${first.json().nextCursor}`);
    expect(second.statusCode).toBe(200);
    expect(second.json().items.length).toBeGreaterThan(0);

    const id = ids[0] as string;
    const replaced = await api(admin, 'PUT', `/api/v1/automations/${id}`, {
      ...followUpRule(),
      name: 'Renamed',
      dailyCap: 5,
    });
    expect(replaced.json()).toMatchObject({ name: 'Renamed', dailyCap: 5, enabled: false });
    expect((await api(admin, 'POST', `/api/v1/automations/${id}/enable`)).json()).toMatchObject({
      enabled: true,
      nextRunAt: expect.any(String),
    });
    expect((await api(admin, 'POST', `/api/v1/automations/${id}/disable`)).json()).toMatchObject({
      enabled: false,
      nextRunAt: null,
    });
    // Agents read and dry-run but do not write.
    expect((await api(agent, 'POST', '/api/v1/automations', followUpRule())).statusCode).toBe(403);
    expect((await api(agent, 'POST', `/api/v1/automations/${id}/enable`)).statusCode).toBe(403);

    const otherTenant = await newTenant(db(), 'Other automations');
    const stranger = await signedInMember(db(), world.config, { tenantId: otherTenant, role: 'owner' });
    expect((await api(stranger, 'GET', `/api/v1/automations/${id}`)).statusCode).toBe(404);
    expect((await api(stranger, 'POST', `/api/v1/automations/${id}/dry-run`)).statusCode).toBe(404);
    expect((await api(stranger, 'GET', '/api/v1/automations')).json().items).toEqual([]);

    expect((await api(admin, 'DELETE', `/api/v1/automations/${id}`)).statusCode).toBe(204);
    expect((await api(admin, 'GET', `/api/v1/automations/${id}`)).statusCode).toBe(404);
    expect((await api(admin, 'GET', `/api/v1/automations/${id}/runs`)).statusCode).toBe(404);
  });

  it('refuses bad input with a 400 (never a 500)', async () => {
    const stageless = randomUUID();
    const bodies: unknown[] = [
      {},
      { ...followUpRule(), name: '' },
      { ...followUpRule(), name: 'x'.repeat(121) },
      { ...followUpRule(), trigger: { type: 'teleport' } },
      { ...followUpRule(), trigger: { type: 'silence', lastMessage: 'outbound', hours: 0 } },
      { ...followUpRule(), trigger: { type: 'silence', lastMessage: 'sideways', hours: 24 } },
      { ...followUpRule(), trigger: { type: 'schedule', frequency: 'weekly', time: '09:00' } },
      { ...followUpRule(), trigger: { type: 'schedule', frequency: 'daily', time: '25:00' } },
      { ...followUpRule(), trigger: { type: 'schedule', frequency: 'daily', time: '09:00' } },
      { ...followUpRule(), trigger: { type: 'stage_entered', stageId: stageless } },
      { ...followUpRule(), segmentId: randomUUID() },
      { ...followUpRule(), segmentId: 'not-a-uuid' },
      { ...followUpRule(), actions: [] },
      {
        ...followUpRule(),
        actions: [{ type: 'send_template', template: { name: 'Bad Name', language: 'en' } }],
      },
      { ...followUpRule(), actions: [{ type: 'send_sms', text: '' }] },
      { ...followUpRule(), actions: [{ type: 'move_stage', stageId: stageless }] },
      { ...followUpRule(), actions: [{ type: 'add_label', labelId: randomUUID() }] },
      { ...followUpRule(), actions: [{ type: 'assign', userId: randomUUID() }] },
      { ...followUpRule(), actions: [{ type: 'notify', userIds: [randomUUID()], title: 'Hi' }] },
      { ...followUpRule(), actions: [{ type: 'hubspot_task', subject: 'x', dueInHours: -1 }] },
      { ...followUpRule(), dailyCap: 0 },
      { ...followUpRule(), extra: true },
    ];
    for (const body of bodies) {
      const response = await api(admin, 'POST', '/api/v1/automations', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'validation_failed',
        requestId: expect.any(String),
      });
    }
    for (const url of [
      '/api/v1/automations/not-a-uuid',
      '/api/v1/automations?cursor=bogus',
      '/api/v1/automations?limit=0',
      `/api/v1/automations/${randomUUID()}/runs?cursor=%00`,
    ]) {
      expect((await api(admin, 'GET', url)).statusCode, url).toBe(400);
    }
    expect(
      (await api(admin, 'POST', `/api/v1/automations/${randomUUID()}/dry-run?limit=100000`)).statusCode,
    ).toBe(400);
    expect((await api(admin, 'POST', `/api/v1/automations/${randomUUID()}/enable`)).statusCode).toBe(404);
  });
});
