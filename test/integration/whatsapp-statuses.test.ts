import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStatusesTaskDefinition } from '../../src/channels/whatsapp/apply-statuses.task.js';
import { createSendMessageTask } from '../../src/channels/whatsapp/send-message.task.js';
import type { Message } from '../../src/conversations/messages.table.js';
import { queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import {
  type ConversationFixture,
  createConversation,
  insertStatus,
  type OutboundHarness,
  outboundHarness,
  runTask,
} from '../support/outbound-fixtures.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logs = captureLogger();
let database: TestDatabase;
let fake: FakeGraphApi;
let config: Config;
let harness: OutboundHarness;
let tenantId: string;
let fixture: ConversationFixture;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  config = testConfig({ WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort });
  harness = outboundHarness(database, config, fake, logs.logger);
  tenantId = await newTenant(database.db);
  fixture = await createConversation(database.db, config, { tenantId, accessToken: fake.accessToken });
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
  await database?.drop();
});

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, seconds));
const newWamid = () => `wamid.${randomBytes(12).toString('base64url')}`;

/** An outbound message Meta already accepted (wamid stored). */
async function acceptedMessage(): Promise<{ id: string; wamid: string }> {
  const wamid = newWamid();
  const { message } = await withTenant(database.db, tenantId, (trx) =>
    queueOutboundMessage(trx, {
      conversationId: fixture.conversationId,
      author: 'bot',
      body: { type: 'text', text: 'Thanks!' },
      idempotencyKey: `test:${randomUUID()}`,
      requestId: 'test',
    }),
  );
  await withTenant(database.db, tenantId, (trx) =>
    trx
      .updateTable('messages')
      .set({ providerMessageId: wamid, status: 'accepted', statusAt: at(0) })
      .where('id', '=', message.id)
      .execute(),
  );
  return { id: message.id, wamid };
}

const apply = () =>
  runTask(
    database.db,
    applyStatusesTaskDefinition,
    tenantId,
    { channelId: fixture.channelId },
    { logger: logs.logger },
  );

async function row(id: string): Promise<Message> {
  return withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

async function unapplied(wamid: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*)::text as n from whatsapp_status_events where provider_message_id = ${wamid} and applied_at is null`.execute(
    database.ownerDb,
  );
  return Number(rows[0]?.n);
}

describe('applying status callbacks', () => {
  it('moves a message forward and keeps Meta’s time', async () => {
    const message = await acceptedMessage();
    await insertStatus(database.db, fixture, message.wamid, 'sent', at(1));
    await apply();
    expect(await row(message.id)).toMatchObject({ status: 'sent', statusAt: at(1) });
    expect(await unapplied(message.wamid)).toBe(0);
  });

  it('delivered before sent: the late sent does not move it back', async () => {
    const message = await acceptedMessage();
    await insertStatus(database.db, fixture, message.wamid, 'delivered', at(5));
    await apply();
    await insertStatus(database.db, fixture, message.wamid, 'sent', at(2));
    await apply();
    expect(await row(message.id)).toMatchObject({ status: 'delivered', statusAt: at(5) });
    expect(await unapplied(message.wamid)).toBe(0);
  });

  it('read before delivered (and both in one batch): read wins', async () => {
    const first = await acceptedMessage();
    await insertStatus(database.db, fixture, first.wamid, 'read', at(9));
    await apply();
    await insertStatus(database.db, fixture, first.wamid, 'delivered', at(7));
    await apply();
    expect((await row(first.id)).status).toBe('read');

    const second = await acceptedMessage();
    await insertStatus(database.db, fixture, second.wamid, 'read', at(9));
    await insertStatus(database.db, fixture, second.wamid, 'delivered', at(7));
    await insertStatus(database.db, fixture, second.wamid, 'sent', at(6));
    await apply();
    expect(await row(second.id)).toMatchObject({ status: 'read', statusAt: at(9) });
  });

  it('duplicates change nothing', async () => {
    const message = await acceptedMessage();
    await insertStatus(database.db, fixture, message.wamid, 'delivered', at(4));
    await apply();
    const before = await row(message.id);
    await insertStatus(database.db, fixture, message.wamid, 'delivered', at(30));
    await apply();
    await apply();
    const after = await row(message.id);
    expect(after.status).toBe('delivered');
    expect(after.statusAt).toEqual(before.statusAt);
  });

  it('failed keeps Meta’s error code and title', async () => {
    const message = await acceptedMessage();
    await insertStatus(database.db, fixture, message.wamid, 'failed', at(3), [
      { code: 131026, title: 'Message undeliverable', message: 'Message undeliverable' },
    ]);
    await apply();
    expect(await row(message.id)).toMatchObject({
      status: 'failed',
      errorCode: 131026,
      errorTitle: 'Message undeliverable',
    });
  });

  it('failed after delivered is ignored', async () => {
    const message = await acceptedMessage();
    await insertStatus(database.db, fixture, message.wamid, 'delivered', at(3));
    await apply();
    await insertStatus(database.db, fixture, message.wamid, 'failed', at(8), [
      { code: 131000, title: 'Something' },
    ]);
    await apply();
    expect(await row(message.id)).toMatchObject({ status: 'delivered', errorCode: null, errorTitle: null });
    expect(await unapplied(message.wamid)).toBe(0);
  });

  it('keeps a status for an unknown wamid and applies it when the send stores that wamid', async () => {
    const wamid = newWamid();
    await insertStatus(database.db, fixture, wamid, 'delivered', at(20));
    await apply();
    expect(await unapplied(wamid)).toBe(1);
    // The send may be committing right now: the task looks again a little later (one job per channel).
    const rechecks = (await jobsOfTask(database.ownerDb, 'whatsapp.apply-statuses')).filter(
      (job) => job.key === `wa-statuses:${fixture.channelId}`,
    );
    expect(rechecks).toHaveLength(1);
    expect(rechecks[0]?.runAt.getTime()).toBeGreaterThan(Date.now());

    fake.queueWamid(wamid);
    const { message } = await withTenant(database.db, tenantId, (trx) =>
      queueOutboundMessage(trx, {
        conversationId: fixture.conversationId,
        author: 'bot',
        body: { type: 'text', text: 'Early status' },
        idempotencyKey: `test:${randomUUID()}`,
        requestId: 'test',
      }),
    );
    await runTask(
      database.db,
      createSendMessageTask(harness.outbound),
      tenantId,
      { messageId: message.id },
      { logger: logs.logger },
    );
    expect(await row(message.id)).toMatchObject({
      providerMessageId: wamid,
      status: 'delivered',
      statusAt: at(20),
    });
    expect(await unapplied(wamid)).toBe(0);
  });

  it('never touches inbound messages with the same wamid on another channel, or another tenant’s rows', async () => {
    const otherTenant = await newTenant(database.db);
    const other = await createConversation(database.db, config, {
      tenantId: otherTenant,
      accessToken: fake.accessToken,
    });
    const message = await acceptedMessage();
    // The same wamid filed for another tenant's channel does not reach this tenant's message.
    await insertStatus(database.db, other, message.wamid, 'read', at(40));
    await runTask(
      database.db,
      applyStatusesTaskDefinition,
      otherTenant,
      { channelId: other.channelId },
      { logger: logs.logger },
    );
    expect((await row(message.id)).status).toBe('accepted');
  });
});
