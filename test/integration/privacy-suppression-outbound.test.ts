import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { suppress } from '../../src/privacy/suppression.js';
import { approveQuote, submitForApproval } from '../../src/quotes/approval.service.js';
import { createCatalogItem } from '../../src/quotes/catalog/catalog.service.js';
import { changeQuoteSettings } from '../../src/quotes/quote-settings.js';
import { createQuote } from '../../src/quotes/quotes.service.js';
import { messages, unixSeconds } from '../fakes/meta-webhook-client.js';
import { buildTestApp } from '../support/app.js';
import { conversationKeyOf, deliverMessages, runProcessInbound } from '../support/inbound-pipeline.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Suppression on the outbound side (ADR 0031): an operator or integration does not start contact with an
 * erased, suppressed person (409 `contact_suppressed`, nothing queued), while the person who writes again
 * is answered, by the bot and by operators.
 */
const PHONE_NUMBER_ID = '106540352242988';
const APP_SECRET = 'app-secret-suppression-0123456789';
const CONTEXT = { requestId: 'suppression-test', ip: '127.0.0.1', userAgent: 'vitest' };
const TEMPLATE = { type: 'template', template: { name: 'follow_up', language: 'en' } };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let otherTenant: string;
let agent: SignedInMember;
let admin: SignedInMember;
let channelId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Suppression');
  otherTenant = await newTenant(database.db, 'Other');
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: admin.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Suppression line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3988',
      wabaId: '102290129340988',
      accessToken: 'EAAG-suppression-token',
      appSecret: APP_SECRET,
    },
  );
  channelId = created.channel.id;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** A contact and an empty conversation, as an integration or an earlier import would have left them. */
async function contactWithConversation(phoneE164: string, email: string | null = null) {
  return withTenant(database.db, tenantId, async (trx) => {
    const contact = await trx
      .insertInto('contacts')
      .values({ phoneE164, waId: phoneE164.slice(1), email })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { rows } = await sql<{ id: string }>`
      insert into conversations (channel_id, contact_id) values (${channelId}, ${contact.id}) returning id`.execute(
      trx,
    );
    return { contactId: contact.id, conversationId: rows[0]?.id as string };
  });
}

function suppressIn(tenant: string, target: { phone?: string; email?: string }) {
  return withTenant(database.db, tenant, (trx) => suppress(trx, config.secretKey, target));
}

function send(conversationId: string, body: unknown) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/messages`,
    headers: agent.headers,
    payload: body as Record<string, unknown>,
  });
}

async function outboundCount(conversationId: string): Promise<number> {
  const rows = await database.ownerDb
    .selectFrom('messages')
    .select('id')
    .where('conversationId', '=', conversationId)
    .where('direction', '=', 'outbound')
    .execute();
  return rows.length;
}

describe('outbound initiations to a suppressed person', () => {
  it('a template to a suppressed number is refused with 409 contact_suppressed and nothing is queued', async () => {
    const { conversationId } = await contactWithConversation('+393471110001');
    await suppressIn(tenantId, { phone: '+39 347 111 0001' });

    const response = await send(conversationId, TEMPLATE);
    expect(response.statusCode).toBe(409);
    const error = response.json().error;
    expect(error).toMatchObject({ code: 'contact_suppressed' });
    expect(error.message).toContain('erased');
    expect(error.requestId).toEqual(expect.any(String));
    // No personal data in the refusal.
    expect(JSON.stringify(error)).not.toContain('3471110001');
    expect(await outboundCount(conversationId)).toBe(0);
  });

  it('a suppressed e-mail address refuses the contact too, whatever its spelling', async () => {
    const { conversationId } = await contactWithConversation('+393471110002', 'anna.verdi@example.com');
    await suppressIn(tenantId, { email: 'Anna.Verdi@Example.COM' });

    const response = await send(conversationId, TEMPLATE);
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('contact_suppressed');
    expect(await outboundCount(conversationId)).toBe(0);
  });

  it('a contact who is not suppressed here gets the template (suppression is per workspace)', async () => {
    const { conversationId } = await contactWithConversation('+393471110003', 'luca@example.com');
    // The same number erased in another workspace does not block this one.
    await suppressIn(otherTenant, { phone: '+393471110003' });

    const response = await send(conversationId, TEMPLATE);
    expect(response.statusCode).toBe(202);
    expect(await outboundCount(conversationId)).toBe(1);
  });

  it('a suppressed person who writes again is answered by the bot and by an operator', async () => {
    const from = '393471110004';
    await suppressIn(tenantId, { phone: `+${from}` });

    const target = { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET };
    const timestamp = unixSeconds(new Date(Date.now() - 30_000));
    expect(await deliverMessages(target, [messages.text({ from, body: 'Hello again', timestamp })])).toBe(
      200,
    );
    await runProcessInbound(database.db, tenantId, channelId, from);

    const conversation = await database.ownerDb
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select(['conversations.id', 'contacts.phoneE164'])
      .where('contacts.phoneE164', '=', `+${conversationKeyOf(from)}`)
      .where('conversations.tenantId', '=', tenantId)
      .executeTakeFirstOrThrow();
    // The inbound message was stored and the bot answered it.
    const bot = await outboundCount(conversation.id);
    expect(bot).toBeGreaterThan(0);

    const reply = await send(conversation.id, { type: 'text', text: 'Happy to help again' });
    expect(reply.statusCode).toBe(202);
    const template = await send(conversation.id, TEMPLATE);
    expect(template.statusCode).toBe(202);
    expect(await outboundCount(conversation.id)).toBe(bot + 2);
  });

  it('sending a quote to a suppressed contact is refused and the quote stays approved', async () => {
    // A quote for the contact outside a conversation: sending it gives the operator the link to share.
    const { contactId } = await contactWithConversation('+393471110005');
    const actor = { userId: admin.userId, apiKeyId: null, context: CONTEXT };
    await changeQuoteSettings(database.db, tenantId, actor, { currency: 'EUR' });
    const item = await createCatalogItem(database.db, tenantId, actor, {
      sku: 'SUP-1',
      name: 'Service',
      unitPriceMinor: 1000,
    });
    const approved = async () => {
      const { quote } = await createQuote(database.db, tenantId, actor, {
        contactId,
        lines: [{ catalogItemId: item.id, quantity: '1' }],
      });
      await submitForApproval(database.db, tenantId, actor, quote.id, 1);
      await approveQuote(database.db, tenantId, actor, quote.id, 1);
      return quote.id;
    };
    const sendQuote = (id: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/quotes/${id}/send`,
        headers: admin.headers,
        payload: { version: 1 },
      });

    // Before the suppression the same quote flow sends.
    const first = await sendQuote(await approved());
    expect(first.statusCode, first.body).toBe(200);

    await suppressIn(tenantId, { phone: '+393471110005' });
    const quoteId = await approved();
    const refused = await sendQuote(quoteId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('contact_suppressed');
    const version = await database.ownerDb
      .selectFrom('quoteVersions')
      .select('status')
      .where('quoteId', '=', quoteId)
      .executeTakeFirstOrThrow();
    expect(version.status).toBe('approved');
  });
});
