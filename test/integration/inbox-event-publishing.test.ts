import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeTenantDeliveries } from '../../src/channels/whatsapp/ingest.repository.js';
import { markAccepted } from '../../src/channels/whatsapp/outbound.repository.js';
import { applyPendingStatuses } from '../../src/channels/whatsapp/statuses.repository.js';
import { extractDelivery } from '../../src/channels/whatsapp/webhook-payload.js';
import { applyProfileUpdates } from '../../src/contacts/profile.js';
import { setOwnershipByUser } from '../../src/conversations/ownership.service.js';
import { queueOutboundMessage } from '../../src/conversations/send-ledger.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { INBOX_EVENTS_CHANNEL, type InboxNotification } from '../../src/realtime/inbox-events.js';
import { change, envelope, messages, serialise } from '../fakes/meta-webhook-client.js';
import { testConfig } from '../support/config.js';
import { runProcessInbound } from '../support/inbound-pipeline.js';
import { type ConversationFixture, createConversation, insertStatus } from '../support/outbound-fixtures.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let listener: pg.Client;
let tenantId: string;
let fixture: ConversationFixture;
const received: InboxNotification[] = [];

/** Notifications published by `work`, once it has committed (a marker NOTIFY after it fences the stream). */
async function publishedBy(work: () => Promise<unknown>): Promise<InboxNotification[]> {
  const from = received.length;
  await work();
  const marker = randomUUID();
  await listener.query('select pg_notify($1, $2)', [INBOX_EVENTS_CHANNEL, JSON.stringify({ marker })]);
  for (let waited = 0; waited < 100; waited += 1) {
    const index = received.findIndex((item) => (item as unknown as { marker?: string }).marker === marker);
    if (index >= 0) return received.slice(from, index);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('marker notification never arrived');
}

beforeAll(async () => {
  database = await createTestDatabase();
  listener = new pg.Client({ connectionString: database.ownerUrl });
  await listener.connect();
  listener.on('notification', (message) => received.push(JSON.parse(message.payload ?? '{}')));
  await listener.query(`listen ${INBOX_EVENTS_CHANNEL}`);
  tenantId = await newTenant(database.db);
  fixture = await createConversation(database.db, testConfig(), { tenantId, accessToken: 'token' });
});

afterAll(async () => {
  await listener?.end();
  await database?.drop();
});

describe('inbox events from the pipeline', () => {
  it('storing a webhook says nothing; processing its message is message.created (once, even if redone)', async () => {
    const from = '393471234567';
    const payload = envelope([
      {
        changes: [
          change(fixture.phoneNumberId, {
            contacts: [{ profile: { name: 'Ada' }, wa_id: from }],
            messages: [messages.text({ from, body: 'Hello' })],
          }),
        ],
      },
    ]);
    const stored = await publishedBy(() =>
      storeTenantDeliveries(database.db, tenantId, [
        {
          channelId: fixture.channelId,
          requestId: 'test',
          body: serialise(payload),
          extracted: extractDelivery(payload, fixture.phoneNumberId),
        },
      ]),
    );
    expect(stored).toEqual([]);

    const processed = await publishedBy(() =>
      runProcessInbound(database.db, tenantId, fixture.channelId, from),
    );
    const inbound = await withTenant(database.db, tenantId, (trx) =>
      trx
        .selectFrom('messages')
        .select(['id', 'conversationId'])
        .where('direction', '=', 'inbound')
        .executeTakeFirstOrThrow(),
    );
    // The qualifier's reply (outbound, queued in the same transaction) is announced too.
    expect(processed.map((item) => item.event)).toContainEqual({
      type: 'message.created',
      conversationId: inbound.conversationId,
      messageId: inbound.id,
    });
    expect(processed.filter((item) => item.event.type === 'message.created')).toHaveLength(2);
    expect(
      await publishedBy(() => runProcessInbound(database.db, tenantId, fixture.channelId, from)),
    ).toEqual([]);
  });

  it('an outbound message queued on the send ledger is message.created; Meta accepting it message.updated', async () => {
    let messageId = '';
    const created = await publishedBy(async () => {
      const { message } = await withTenant(database.db, tenantId, (trx) =>
        queueOutboundMessage(trx, {
          conversationId: fixture.conversationId,
          author: 'operator',
          body: { type: 'text', text: 'Hello' },
          idempotencyKey: `test:${randomUUID()}`,
          requestId: 'test',
        }),
      );
      messageId = message.id;
    });
    expect(created).toEqual([
      {
        tenantId,
        event: { type: 'message.created', conversationId: fixture.conversationId, messageId },
      },
    ]);

    const wamid = `wamid.${randomBytes(8).toString('hex')}`;
    const accepted = await publishedBy(() =>
      withTenant(database.db, tenantId, (trx) => markAccepted(trx, messageId, wamid)),
    );
    expect(accepted.map((item) => item.event)).toEqual([
      { type: 'message.updated', conversationId: fixture.conversationId, messageId },
    ]);

    await insertStatus(database.db, fixture, wamid, 'delivered', new Date());
    const statuses = await publishedBy(() =>
      withTenant(database.db, tenantId, (trx) => applyPendingStatuses(trx, fixture.channelId)),
    );
    expect(statuses.map((item) => item.event)).toEqual([
      { type: 'message.updated', conversationId: fixture.conversationId, messageId },
    ]);
    // Applied already: a second run moves nothing and says nothing.
    expect(
      await publishedBy(() =>
        withTenant(database.db, tenantId, (trx) => applyPendingStatuses(trx, fixture.channelId)),
      ),
    ).toEqual([]);
  });

  it('an ownership change is conversation.updated; a request that changes nothing is silent', async () => {
    const takeover = () =>
      setOwnershipByUser(database.db, tenantId, {
        conversationId: fixture.conversationId,
        userId: null,
        target: { to: 'human' },
      });
    expect((await publishedBy(takeover)).map((item) => item.event)).toEqual([
      { type: 'conversation.updated', conversationId: fixture.conversationId },
    ]);
    expect(await publishedBy(takeover)).toEqual([]);
  });

  it('a profile update is contact.updated; one with no change is silent', async () => {
    const update = () =>
      withTenant(database.db, tenantId, (trx) =>
        applyProfileUpdates(trx, fixture.contactId, { firstName: 'Ada' }, ['first_name']),
      );
    expect((await publishedBy(update)).map((item) => item.event)).toEqual([
      { type: 'contact.updated', contactId: fixture.contactId },
    ]);
    expect(await publishedBy(update)).toEqual([]);
  });
});
