import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyStatusesTaskDefinition } from '../../src/channels/whatsapp/apply-statuses.task.js';
import { GraphApiError } from '../../src/channels/whatsapp/graph-api.client.js';
import { storeTenantDeliveries } from '../../src/channels/whatsapp/ingest.repository.js';
import { findPendingOutbound } from '../../src/channels/whatsapp/outbound.repository.js';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import { sendJobKey } from '../../src/channels/whatsapp/task-refs.js';
import { extractDelivery } from '../../src/channels/whatsapp/webhook-payload.js';
import type { Message } from '../../src/conversations/messages.table.js';
import { queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { change, envelope, serialise, wamid } from '../fakes/meta-webhook-client.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import {
  type ConversationFixture,
  createConversation,
  type OutboundHarness,
  outboundHarness,
  runTask,
} from '../support/outbound-fixtures.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// ADR 0018: a send whose outcome is unknown is never repeated blindly, and a send Meta accepted whose
// save failed is retried as a save, never as a send.

const WAIT_SECONDS = 2;
const logs = captureLogger();
let database: TestDatabase;
let fake: FakeGraphApi;
let config: Config;
let harness: OutboundHarness;
let sendTask: ReturnType<typeof createSendMessageTask>;
let tenantId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  config = testConfig({
    WHATSAPP_GRAPH_API_URL: fake.url,
    OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort,
    WHATSAPP_IN_DOUBT_WAIT_SECONDS: String(WAIT_SECONDS),
  });
  harness = outboundHarness(database, config, fake, logs.logger);
  sendTask = createSendMessageTask(harness.outbound);
  tenantId = await newTenant(database.db);
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
  await database?.drop();
});

beforeEach(() => fake.reset());

const conversation = () =>
  createConversation(database.db, config, { tenantId, accessToken: fake.accessToken });

async function queue(fixture: ConversationFixture, text = 'Welcome! What is your name?'): Promise<Message> {
  const { message } = await withTenant(database.db, tenantId, (trx) =>
    queueOutboundMessage(trx, {
      conversationId: fixture.conversationId,
      author: 'bot',
      body: { type: 'text', text },
      idempotencyKey: `test:${randomUUID()}`,
      requestId: 'test',
    }),
  );
  return message;
}

const row = (id: string) =>
  withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );

/** One run of the send job; a run that throws is what graphile-worker would retry. */
const runSendJob = (messageId: string) =>
  runTask(database.db, sendTask, tenantId, { messageId }, { logger: logs.logger }).then(
    () => undefined,
    (error: unknown) => error,
  );

const sendJobOf = async (messageId: string) =>
  (await jobsOfTask(database.ownerDb, 'whatsapp.send-message')).filter(
    (job) => job.key === sendJobKey(messageId),
  );

const sendsTo = (fixture: ConversationFixture) =>
  fake.sends().filter((request) => request.body?.to === fixture.phoneE164.slice(1));

/** Meta's `sent` status for `id`, echoing `callbackData`, stored as the webhook stores it. */
async function receiveStatus(fixture: ConversationFixture, id: string, callbackData: string): Promise<void> {
  const payload = envelope([
    {
      changes: [
        change(fixture.phoneNumberId, {
          statuses: [
            {
              id,
              status: 'sent',
              timestamp: String(Math.floor(Date.now() / 1000)),
              recipient_id: fixture.phoneE164.slice(1),
              biz_opaque_callback_data: callbackData,
            } as never,
          ],
        }),
      ],
    },
  ]);
  await storeTenantDeliveries(database.db, tenantId, [
    {
      channelId: fixture.channelId,
      requestId: 'test',
      body: serialise(payload),
      extracted: extractDelivery(payload, fixture.phoneNumberId),
    },
  ]);
}

describe('a send Meta accepted whose save fails', () => {
  it('reaches the customer once when Meta answers with an id already stored, however often the job runs', async () => {
    const fixture = await conversation();
    const first = await queue(fixture, 'Hello');
    await runSendJob(first.id);
    const stored = (await row(first.id)).providerMessageId as string;
    expect(stored).toMatch(/^wamid\./);

    // The reported case: every answer to the greeting's send names the wamid the first message holds.
    const greeting = await queue(fixture);
    for (let i = 0; i < 6; i++) fake.queueWamid(stored);
    for (let run = 0; run < 6; run++) await runSendJob(greeting.id);

    const greetings = sendsTo(fixture).filter(
      (request) => (request.body?.text as { body?: string } | undefined)?.body === greeting.text,
    );
    expect(greetings).toHaveLength(1);
    const saved = await row(greeting.id);
    expect(saved.status).toBe('accepted');
    expect(saved.providerMessageId).toBeNull();
    expect((await row(first.id)).providerMessageId).toBe(stored);
  });
});

describe('a send whose outcome is unknown', () => {
  it('carries its ledger row’s id to Meta as biz_opaque_callback_data', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    await runSendJob(message.id);
    expect(sendsTo(fixture)[0]?.body?.biz_opaque_callback_data).toBe(message.id);
  });

  it('is not sent again when a status names it: its retry records the wamid from the status', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    const accepted = wamid();
    fake.queueWamid(accepted);
    fake.fail({ kind: 'lost-answer' });
    const error = await runSendJob(message.id);
    expect(error).toBeInstanceOf(GraphApiError);
    expect((error as GraphApiError).outcomeUnknown).toBe(true);
    // One call: a request that may have reached Meta is not repeated in the call either.
    expect(sendsTo(fixture)).toHaveLength(1);
    const inDoubt = await row(message.id);
    expect(inDoubt.status).toBe('pending');
    expect(inDoubt.sendStartedAt).not.toBeNull();

    await receiveStatus(fixture, accepted, message.id);
    const started = Date.now();
    expect(await runSendJob(message.id)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(WAIT_SECONDS * 1_000);
    expect(sendsTo(fixture)).toHaveLength(1);
    expect(await row(message.id)).toMatchObject({ providerMessageId: accepted, status: 'sent' });
  });

  it('waits for a status that comes late, holding no worker, and then records it instead of sending', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    const accepted = wamid();
    fake.queueWamid(accepted);
    fake.fail({ kind: 'lost-answer' });
    await runSendJob(message.id);
    const marked = (await row(message.id)).sendStartedAt as Date;

    // No status yet: the retry sends nothing and sets its job to run when the wait ends.
    const started = Date.now();
    expect(await runSendJob(message.id)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(WAIT_SECONDS * 1_000);
    expect(sendsTo(fixture)).toHaveLength(1);
    const [waiting] = await sendJobOf(message.id);
    expect(waiting?.queueName).toBe(`wa:${fixture.channelId}:${fixture.phoneE164.slice(1)}`);
    expect(
      Math.abs((waiting?.runAt.getTime() ?? 0) - (marked.getTime() + WAIT_SECONDS * 1_000)),
    ).toBeLessThan(1_000);

    await receiveStatus(fixture, accepted, message.id);
    await new Promise((resolve) => setTimeout(resolve, WAIT_SECONDS * 1_000));
    expect(await runSendJob(message.id)).toBeUndefined();
    expect(sendsTo(fixture)).toHaveLength(1);
    expect((await row(message.id)).providerMessageId).toBe(accepted);
  });

  it('is sent again once the bounded wait passes with no status naming it', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    // What a worker killed between the mark's commit and the request leaves behind.
    await withTenant(database.db, tenantId, (trx) => findPendingOutbound(trx, fixture.conversationId));
    const marked = (await row(message.id)).sendStartedAt as Date;
    expect(marked).toBeInstanceOf(Date);

    expect(await runSendJob(message.id)).toBeUndefined();
    expect(sendsTo(fixture)).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, marked.getTime() + WAIT_SECONDS * 1_000 - Date.now()));
    expect(await runSendJob(message.id)).toBeUndefined();
    expect(sendsTo(fixture)).toHaveLength(1);
    expect((await row(message.id)).status).toBe('accepted');
  });

  it('takes back the mark when Meta refused the request, so the retry does not wait', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    fake.fail({ kind: 'graph-error', code: 131056 }, { recipient: fixture.phoneE164 });
    await runSendJob(message.id);
    expect((await row(message.id)).sendStartedAt).toBeNull();
    const started = Date.now();
    await runSendJob(message.id);
    expect(Date.now() - started).toBeLessThan(WAIT_SECONDS * 1_000);
    expect((await row(message.id)).status).toBe('accepted');
    expect(sendsTo(fixture)).toHaveLength(2);
  });
});

describe('status callbacks naming a row without a wamid', () => {
  it('attach their wamid to it, and the status then applies forward only', async () => {
    const fixture = await conversation();
    const message = await queue(fixture);
    const accepted = wamid();
    fake.queueWamid(accepted);
    fake.fail({ kind: 'lost-answer' });
    await runSendJob(message.id);
    await receiveStatus(fixture, accepted, message.id);

    await runTask(
      database.db,
      applyStatusesTaskDefinition,
      tenantId,
      { channelId: fixture.channelId },
      { logger: logs.logger },
    );
    expect(await row(message.id)).toMatchObject({ providerMessageId: accepted, status: 'sent' });
    // The row is settled: its job finds nothing to send.
    await runSendJob(message.id);
    expect(sendsTo(fixture)).toHaveLength(1);
  });

  it('never take a wamid another message holds, nor touch a row of another channel', async () => {
    const fixture = await conversation();
    const other = await conversation();
    const held = await queue(fixture, 'held');
    await runSendJob(held.id);
    const heldWamid = (await row(held.id)).providerMessageId as string;
    const target = await queue(fixture, 'target');
    const foreign = await queue(other, 'foreign');
    // Mark both as in doubt without sending.
    await withTenant(database.db, tenantId, async (trx) => {
      await findPendingOutbound(trx, fixture.conversationId);
      await findPendingOutbound(trx, other.conversationId);
    });
    await receiveStatus(fixture, heldWamid, target.id);
    await receiveStatus(fixture, wamid(), foreign.id);
    await runTask(
      database.db,
      applyStatusesTaskDefinition,
      tenantId,
      { channelId: fixture.channelId },
      { logger: logs.logger },
    );
    expect((await row(target.id)).providerMessageId).toBeNull();
    expect((await row(foreign.id)).providerMessageId).toBeNull();
    expect((await row(held.id)).providerMessageId).toBe(heldWamid);
  });
});
