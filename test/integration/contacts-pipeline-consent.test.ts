import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { recordConsent, recordImportedConsent } from '../../src/contacts/consent/consent.js';
import { matchKeyword } from '../../src/contacts/consent/keywords.js';
import { applyProfileUpdates } from '../../src/contacts/profile.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { messages, unixSeconds } from '../fakes/meta-webhook-client.js';
import { buildTestApp } from '../support/app.js';
import { conversationKeyOf, deliverMessages, runProcessInbound } from '../support/inbound-pipeline.js';
import { openedRows } from '../support/sealed.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Contacts, pipeline, custom fields and consent (ADR 0029) through the real webhook, jobs and API. */
const PHONE_NUMBER_ID = '106540352242977';
const APP_SECRET = 'app-secret-contacts-0123456789ab';
const CONTEXT = { requestId: 'contacts-test', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let otherTenant: string;
let admin: SignedInMember;
let agent: SignedInMember;
let otherAdmin: SignedInMember;
let channelId: string;
let sequence = 0;
let clock = 0;

function newCustomer(): string {
  sequence++;
  return `39347${String(1_000_000 + sequence).slice(1)}1`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Contacts');
  otherTenant = await newTenant(database.db, 'Other');
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  otherAdmin = await signedInMember(database.db, config, { tenantId: otherTenant, role: 'admin' });
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: admin.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Contacts line',
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '+1 555 078 3977',
      wabaId: '102290129340977',
      accessToken: 'EAAG-contacts-token',
      appSecret: APP_SECRET,
    },
  );
  channelId = created.channel.id;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** The customer writes `body`; the processing job runs as the worker would. */
async function customerSays(from: string, body: string): Promise<void> {
  clock++;
  const target = { app, channelId, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET };
  const timestamp = unixSeconds(new Date(Date.now() - 60_000 + clock * 10));
  expect(await deliverMessages(target, [messages.text({ from, body, timestamp })])).toBe(200);
  await runProcessInbound(database.db, tenantId, channelId, from);
}

async function contactOf(from: string) {
  return database.ownerDb
    .selectFrom('contacts')
    .selectAll()
    .where('phoneE164', '=', `+${conversationKeyOf(from)}`)
    .executeTakeFirstOrThrow();
}

/** The contact's outbound messages, their text opened as the application reads it (ADR 0036). */
async function outboundOf(contactId: string) {
  const rows = await database.ownerDb
    .selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversationId')
    .select(['messages.tenantId', 'messages.text', 'messages.author', 'messages.conversationId'])
    .where('conversations.contactId', '=', contactId)
    .where('messages.direction', '=', 'outbound')
    .orderBy('messages.createdAt')
    .execute();
  return openedRows(database.ownerDb, rows);
}

function api(
  member: SignedInMember,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return app.inject({
    method,
    url,
    headers: member.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

describe('opt-out keywords', () => {
  it.each([
    ['PARAR', 'INICIAR', 'Inscrição cancelada'],
    ['SAIR', 'VOLTAR', 'Inscrição cancelada'],
    ['ANNULLA', 'ATTIVA', 'Iscrizione annullata'],
    ['BAJA', 'ALTA', 'Te has dado de baja'],
    ['CANCELAR', 'START', 'Inscrição cancelada'],
    ['STOPP', 'START', 'You have been unsubscribed'],
  ])(
    'on WhatsApp, %s opts out with a confirmation in that language, and %s opts in again',
    async (stop, start, confirmation) => {
      const from = newCustomer();
      await customerSays(from, stop);
      const contact = await contactOf(from);
      expect((await outboundOf(contact.id)).map((m) => m.text)).toEqual([
        expect.stringContaining(confirmation),
      ]);
      await customerSays(from, start);
      const ledger = await database.ownerDb
        .selectFrom('consentEntries')
        .select(['channel', 'state', 'source'])
        .where('contactId', '=', contact.id)
        .orderBy('recordedAt')
        .execute();
      expect(ledger).toEqual([
        { channel: 'whatsapp', state: 'opted_out', source: 'customer' },
        { channel: 'whatsapp', state: 'opted_in', source: 'customer' },
      ]);
    },
  );

  it('matches whole-message keywords in every language, never a sentence', () => {
    expect(matchKeyword('STOP')).toEqual({ action: 'opt_out', language: 'en' });
    expect(matchKeyword(' parar! ')).toEqual({ action: 'opt_out', language: 'pt' });
    expect(matchKeyword('Annulla')).toEqual({ action: 'opt_out', language: 'it' });
    expect(matchKeyword('dar de baja')).toEqual({ action: 'opt_out', language: 'es' });
    expect(matchKeyword('Iscrivimi')).toEqual({ action: 'opt_in', language: 'it' });
    expect(matchKeyword('ayuda')).toEqual({ action: 'help', language: 'es' });
    expect(matchKeyword('please stop sending offers')).toBeUndefined();
    expect(matchKeyword(null)).toBeUndefined();
  });

  it('STOP records an opt-out, confirms it, silences the agent and the composer; START opts in again', async () => {
    const from = newCustomer();
    await customerSays(from, 'Hello');
    const contact = await contactOf(from);
    const before = (await outboundOf(contact.id)).length;
    expect(before).toBeGreaterThan(0); // the qualifier answered

    await customerSays(from, 'SAIR');
    const afterStop = await outboundOf(contact.id);
    expect(afterStop).toHaveLength(before + 1);
    expect(afterStop.at(-1)?.author).toBe('system');
    // In the conversation's language (English, from the first message), else the keyword's.
    expect(afterStop.at(-1)?.text).toContain('Reply START');

    const consent = await api(agent, 'GET', `/api/v1/contacts/${contact.id}/consent`);
    expect(consent.statusCode).toBe(200);
    expect(consent.json().current.whatsapp).toMatchObject({
      state: 'opted_out',
      source: 'customer',
      shownText: 'SAIR',
    });

    // The agent never answers an opted-out contact.
    await customerSays(from, 'My name is Maria Rossi');
    expect(await outboundOf(contact.id)).toHaveLength(before + 1);

    // The composer refuses with a clear 409.
    const conversationId = afterStop[0]?.conversationId as string;
    const send = await api(agent, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      type: 'text',
      text: 'Are you still there?',
    });
    expect(send.statusCode).toBe(409);
    expect(send.json().error).toMatchObject({ code: 'contact_opted_out' });
    expect(send.json().error.message).toContain('opted out');

    // Nobody but the customer opts them in again: an operator and an import are refused.
    const byOperator = await api(agent, 'POST', `/api/v1/contacts/${contact.id}/consent`, {
      channel: 'whatsapp',
      state: 'opted_in',
    });
    expect(byOperator.statusCode).toBe(409);
    const imported = await withTenant(database.db, tenantId, (trx) =>
      recordImportedConsent(trx, {
        contactId: contact.id,
        channel: 'whatsapp',
        state: 'opted_in',
        importId: 'imp-1',
      }),
    );
    expect(imported).toMatchObject({ recorded: false, reason: 'opted_out_by_customer' });

    await customerSays(from, 'Iniciar');
    const afterStart = await outboundOf(contact.id);
    expect(afterStart).toHaveLength(before + 2);
    expect((await api(agent, 'GET', `/api/v1/contacts/${contact.id}`)).json().consent.whatsapp.state).toBe(
      'opted_in',
    );
    const ledger = await database.ownerDb
      .selectFrom('consentEntries')
      .select(['state', 'source'])
      .where('contactId', '=', contact.id)
      .orderBy('recordedAt')
      .execute();
    expect(ledger).toEqual([
      { state: 'opted_out', source: 'customer' },
      { state: 'opted_in', source: 'customer' },
    ]);
  });

  it('HELP answers without the agent and records nothing; YES is an answer while not opted out', async () => {
    const from = newCustomer();
    await customerSays(from, 'AIUTO');
    const contact = await contactOf(from);
    const replies = await outboundOf(contact.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ author: 'system' });
    expect(replies[0]?.text).toContain('ANNULLA');
    await customerSays(from, 'yes');
    expect((await outboundOf(contact.id)).at(-1)?.author).toBe('bot');
    expect(
      await database.ownerDb
        .selectFrom('consentEntries')
        .select('id')
        .where('contactId', '=', contact.id)
        .execute(),
    ).toEqual([]);
  });

  it('the ledger is append-only for the application role', async () => {
    const from = newCustomer();
    await customerSays(from, 'STOP');
    const contact = await contactOf(from);
    await expect(
      withTenant(database.db, tenantId, (trx) =>
        trx
          .updateTable('consentEntries')
          .set({ state: 'opted_in' })
          .where('contactId', '=', contact.id)
          .execute(),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withTenant(database.db, tenantId, (trx) =>
        trx.deleteFrom('consentEntries').where('contactId', '=', contact.id).execute(),
      ),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('pipeline', () => {
  it('has default stages, moves forward on qualification and by hand, and shows moves in the timeline', async () => {
    const stages = (await api(agent, 'GET', '/api/v1/pipeline/stages')).json().items;
    expect(stages.map((s: { name: string }) => s.name)).toEqual([
      'New',
      'Qualified',
      'Quote sent',
      'Won',
      'Lost',
    ]);
    const from = newCustomer();
    await customerSays(from, 'Hi');
    const contact = await contactOf(from);
    expect(contact.source).toBe('whatsapp');
    await withTenant(database.db, tenantId, (trx) =>
      applyProfileUpdates(trx, contact.id, { firstName: 'Ada', lastName: 'Byron' }, [
        'first_name',
        'last_name',
      ]),
    );
    expect((await contactOf(from)).stageId).toBe(stages[1].id);

    const lost = stages[4].id;
    const moved = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, { stageId: lost });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().stageId).toBe(lost);
    // A closed stage is never left automatically.
    await withTenant(database.db, tenantId, async (trx) => {
      const { advanceOnEvent } = await import('../../src/contacts/pipeline/pipeline.js');
      await advanceOnEvent(trx, contact.id, 'quote_accepted');
    });
    expect((await contactOf(from)).stageId).toBe(lost);

    const timeline = (await api(agent, 'GET', `/api/v1/contacts/${contact.id}/timeline?limit=100`)).json();
    const kinds = timeline.items.map((item: { kind: string }) => item.kind);
    expect(kinds).toEqual(expect.arrayContaining(['message', 'stage_changed']));
    expect(timeline.items.find((i: { kind: string }) => i.kind === 'stage_changed').detail).toMatchObject({
      toStage: 'Lost',
      fromStage: 'Qualified',
    });
    const board = (await api(agent, 'GET', `/api/v1/contacts?stageId=${lost}`)).json();
    expect(board.items.map((c: { id: string }) => c.id)).toContain(contact.id);
  });

  it('admins add, rename, reorder and delete stages; agents may not', async () => {
    expect((await api(agent, 'POST', '/api/v1/pipeline/stages', { name: 'Nurture' })).statusCode).toBe(403);
    const created = await api(admin, 'POST', '/api/v1/pipeline/stages', { name: 'Nurture' });
    expect(created.statusCode).toBe(201);
    expect((await api(admin, 'POST', '/api/v1/pipeline/stages', { name: 'nurture' })).statusCode).toBe(409);
    const ids = (await api(admin, 'GET', '/api/v1/pipeline/stages'))
      .json()
      .items.map((s: { id: string }) => s.id);
    const reordered = await api(admin, 'PUT', '/api/v1/pipeline/stages/order', { ids: [...ids].reverse() });
    expect(reordered.statusCode).toBe(200);
    expect(reordered.json().items[0].name).toBe('Nurture');
    expect((await api(admin, 'PUT', '/api/v1/pipeline/stages/order', { ids: ids.slice(1) })).statusCode).toBe(
      400,
    );
    expect((await api(admin, 'DELETE', `/api/v1/pipeline/stages/${created.json().id}`)).statusCode).toBe(204);
    await api(admin, 'PUT', '/api/v1/pipeline/stages/order', { ids: ids.slice(0, -1) });
  });

  it('deletes a stage moving its contacts to a chosen stage', async () => {
    const stages = (await api(admin, 'GET', '/api/v1/pipeline/stages')).json().items as { id: string }[];
    const doomed = (await api(admin, 'POST', '/api/v1/pipeline/stages', { name: 'Doomed' })).json();
    const target = stages[1]?.id as string;
    await customerSays('393470009911', 'Salve');
    const contact = await contactOf('393470009911');
    expect(
      (await api(admin, 'PATCH', `/api/v1/contacts/${contact.id}`, { stageId: doomed.id })).statusCode,
    ).toBe(200);
    const url = `/api/v1/pipeline/stages/${doomed.id}`;
    expect((await api(admin, 'DELETE', `${url}?moveTo=${doomed.id}`)).statusCode).toBe(400);
    expect((await api(admin, 'DELETE', `${url}?moveTo=not-a-uuid`)).statusCode).toBe(400);
    expect((await api(admin, 'DELETE', `${url}?moveTo=${randomUUID()}`)).statusCode).toBe(400);
    expect((await api(admin, 'DELETE', `${url}?moveTo=${target}`)).statusCode).toBe(204);
    expect((await contactOf('393470009911')).stageId).toBe(target);
  });
});

describe('custom fields', () => {
  it('are defined by admins, validated by type, filterable and shown on the contact', async () => {
    const field = await api(admin, 'POST', '/api/v1/custom-fields', {
      key: 'budget',
      label: 'Budget',
      type: 'number',
    });
    expect(field.statusCode).toBe(201);
    const sector = await api(admin, 'POST', '/api/v1/custom-fields', {
      key: 'sector',
      label: 'Sector',
      type: 'select',
      options: ['Retail', 'Hotels'],
    });
    expect(sector.statusCode).toBe(201);
    expect(
      (await api(admin, 'POST', '/api/v1/custom-fields', { key: 'bad', label: 'Bad', type: 'select' }))
        .statusCode,
    ).toBe(400);
    expect(
      (await api(admin, 'POST', '/api/v1/custom-fields', { key: 'budget', label: 'Again', type: 'text' }))
        .statusCode,
    ).toBe(409);

    const from = newCustomer();
    await customerSays(from, 'Hi there');
    const contact = await contactOf(from);
    const set = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, {
      customFields: { budget: 1500, sector: 'Hotels' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().customFields).toEqual({ budget: 1500, sector: 'Hotels' });

    const wrong = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, {
      customFields: { budget: 'lots' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('validation_failed');
    const unknown = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, {
      customFields: { nope: 1 },
    });
    expect(unknown.statusCode).toBe(400);
    const option = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, {
      customFields: { sector: 'Banks' },
    });
    expect(option.statusCode).toBe(400);

    const filtered = (
      await api(agent, 'GET', '/api/v1/contacts?field=sector:Hotels&field=budget:1500')
    ).json();
    expect(filtered.items.map((c: { id: string }) => c.id)).toEqual([contact.id]);
    expect((await api(agent, 'GET', '/api/v1/contacts?field=budget:abc')).statusCode).toBe(400);
    expect((await api(agent, 'GET', '/api/v1/contacts?field=missing:1')).statusCode).toBe(400);

    const cleared = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, {
      customFields: { budget: null },
    });
    expect(cleared.json().customFields).toEqual({ sector: 'Hotels' });
  });
});

describe('contacts list and timeline', () => {
  it('searches, filters by consent and pages with a keyset cursor', async () => {
    const froms = [newCustomer(), newCustomer(), newCustomer()];
    for (const from of froms) await customerSays(from, 'Good morning');
    const ids: string[] = [];
    for (const from of froms) ids.push((await contactOf(from)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(agent, 'GET', `/api/v1/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((c: { id: string }) => c.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));

    const bySearch = (
      await api(agent, 'GET', `/api/v1/contacts?q=${encodeURIComponent(`+${froms[0]}`)}`)
    ).json();
    expect(bySearch.items.map((c: { id: string }) => c.id)).toEqual([ids[0]]);

    await withTenant(database.db, tenantId, (trx) =>
      recordConsent(trx, {
        contactId: ids[1] as string,
        channel: 'sms',
        state: 'opted_out',
        source: 'customer',
      }),
    );
    const optedOut = (await api(agent, 'GET', '/api/v1/contacts?consent=sms:opted_out')).json();
    expect(optedOut.items.map((c: { id: string }) => c.id)).toEqual([ids[1]]);
  });

  it('refuses bad input with 4xx and keeps tenants apart', async () => {
    const from = newCustomer();
    await customerSays(from, 'Hola');
    const contact = await contactOf(from);
    for (const url of [
      '/api/v1/contacts?cursor=not-a-cursor',
      '/api/v1/contacts?limit=0',
      '/api/v1/contacts?limit=1000',
      '/api/v1/contacts?stageId=nope',
      '/api/v1/contacts?consent=fax:opted_out',
      '/api/v1/contacts?unknown=1',
      `/api/v1/contacts?q=${'x'.repeat(300)}`,
      `/api/v1/contacts/${contact.id}/timeline?cursor=${Buffer.from('9999-99-99|x').toString('base64url')}`,
      '/api/v1/contacts/not-a-uuid/timeline',
    ]) {
      const response = await api(agent, 'GET', url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.requestId).toBeTruthy();
    }
    for (const body of [
      { channel: 'whatsapp' },
      { channel: 'fax', state: 'opted_in' },
      { channel: 'sms', state: 'opted_out', shownText: 'a\u202eb' },
      { channel: 'sms', state: 'opted_out', evidence: { nested: { deep: true } } },
      { channel: 'sms', state: 'opted_out', extra: 1 },
    ]) {
      const response = await api(agent, 'POST', `/api/v1/contacts/${contact.id}/consent`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, {})).statusCode).toBe(400);
    expect(
      (await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, { ownerUserId: otherAdmin.userId }))
        .statusCode,
    ).toBe(422);
    expect((await api(otherAdmin, 'GET', `/api/v1/contacts/${contact.id}/timeline`)).statusCode).toBe(404);
    expect((await api(otherAdmin, 'GET', '/api/v1/contacts')).json().items).toEqual([]);

    const owned = await api(agent, 'PATCH', `/api/v1/contacts/${contact.id}`, { ownerUserId: agent.userId });
    expect(owned.json().ownerUserId).toBe(agent.userId);
    const mine = (await api(agent, 'GET', `/api/v1/contacts?owner=${agent.userId}`)).json();
    expect(mine.items.map((c: { id: string }) => c.id)).toEqual([contact.id]);
  });
});
