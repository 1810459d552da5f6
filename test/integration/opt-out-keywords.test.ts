import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { messages, unixSeconds, wamid } from '../fakes/meta-webhook-client.js';
import { buildTestApp } from '../support/app.js';
import { deliverMessages, runProcessInbound } from '../support/inbound-pipeline.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * STOP / START / HELP on WhatsApp, through the real webhook and processing task with the real qualifier:
 * the contact's per-channel opt-out, its ledger, the confirmations, the agent's silence and the composer's
 * refusal (ADR 0027).
 */

const PHONE_NUMBER_ID = '106540352242933';
const APP_SECRET = 'app-secret-opt-outs-0123456789ab';
const CONTEXT = { requestId: 'opt-out-test', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let owner: SignedInMember;
let channelId: string;
let phoneSequence = 0;

function newCustomer(): string {
  phoneSequence++;
  return `39334${String(1_000_000 + phoneSequence).slice(1)}0`;
}

async function say(from: string, body: string): Promise<void> {
  const status = await deliverMessages(
    { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET },
    [messages.text({ from, id: wamid(), timestamp: unixSeconds(), body })],
  );
  expect(status).toBe(200);
  await runProcessInbound(database.db, tenantId, channelId, from);
}

async function stateOf(from: string) {
  return withTenant(database.db, tenantId, async (trx) => {
    const contact = await trx
      .selectFrom('contacts')
      .selectAll()
      .where('phoneE164', '=', `+${from}`)
      .executeTakeFirstOrThrow();
    const ledger = await trx
      .selectFrom('contactChannelOptOuts')
      .select(['channelKind', 'state', 'source', 'keyword'])
      .where('contactId', '=', contact.id)
      .orderBy('id')
      .execute();
    const conversation = await trx
      .selectFrom('conversations')
      .select(['id', 'channelKind'])
      .where('contactId', '=', contact.id)
      .executeTakeFirstOrThrow();
    const outbound = await trx
      .selectFrom('messages')
      .select(['author', 'text'])
      .where('conversationId', '=', conversation.id)
      .where('direction', '=', 'outbound')
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    return { contact, ledger, conversation, outbound };
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Opt-outs');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Sales line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3882',
      wabaId: '102290129340399',
      accessToken: 'EAAG-opt-out-token',
      appSecret: APP_SECRET,
      markAsRead: false,
    },
  );
  channelId = created.channel.id;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('STOP, START and HELP on WhatsApp', () => {
  it('STOP opts the contact out of WhatsApp, confirms once, and the agent stays silent afterwards', async () => {
    const from = newCustomer();
    await say(from, 'Hi');
    const before = await stateOf(from);
    expect(before.outbound.length).toBeGreaterThan(0);
    expect(before.conversation.channelKind).toBe('whatsapp');

    await say(from, 'Stop');
    const stopped = await stateOf(from);
    expect(stopped.contact.optedOutChannels).toEqual(['whatsapp']);
    expect(stopped.ledger).toEqual([
      { channelKind: 'whatsapp', state: 'opted_out', source: 'keyword', keyword: 'Stop' },
    ]);
    expect(stopped.outbound.slice(before.outbound.length)).toEqual([
      { author: 'system', text: expect.stringContaining('Reply START') },
    ]);

    await say(from, 'My name is Ada Lovelace');
    await say(from, 'STOP');
    const silent = await stateOf(from);
    expect(silent.outbound).toHaveLength(stopped.outbound.length);
    expect(silent.ledger).toHaveLength(1);
  });

  it('the composer refuses to write to an opted-out contact with a clear message, and nothing is stored', async () => {
    const from = newCustomer();
    await say(from, 'Hello');
    await say(from, 'unsubscribe');
    const { conversation, outbound } = await stateOf(from);
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversation.id}/messages`,
      headers: owner.headers,
      payload: { type: 'text', text: 'Are you sure?' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('contact_opted_out');
    expect(response.json().error.message).toContain('START');
    expect((await stateOf(from)).outbound).toHaveLength(outbound.length);
  });

  it('START opts back in and the agent answers again; "yes" from a subscribed contact is an answer, not a keyword', async () => {
    const from = newCustomer();
    await say(from, 'Hi there');
    await say(from, 'BAJA');
    await say(from, 'start');
    const restarted = await stateOf(from);
    expect(restarted.contact.optedOutChannels).toEqual([]);
    expect(restarted.ledger.map((row) => row.state)).toEqual(['opted_out', 'opted_in']);
    expect(restarted.outbound.at(-1)).toEqual({
      author: 'system',
      text: expect.stringContaining('Reply STOP'),
    });

    await say(from, 'yes');
    const answered = await stateOf(from);
    expect(answered.ledger).toHaveLength(2);
    expect(answered.outbound.length).toBeGreaterThan(restarted.outbound.length);
    expect(answered.outbound.at(-1)?.author).toBe('bot');
  });

  it('HELP is answered in its language without changing the opt-out', async () => {
    const from = newCustomer();
    await say(from, 'Aiuto');
    const { contact, ledger, outbound } = await stateOf(from);
    expect(contact.optedOutChannels).toEqual([]);
    expect(ledger).toEqual([]);
    expect(outbound).toEqual([
      { author: 'system', text: expect.stringContaining('Scrivi qui la tua domanda') },
    ]);
  });
});
