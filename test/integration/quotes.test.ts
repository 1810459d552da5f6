import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { signQuoteLink } from '../../src/quotes/acceptance/quote-link.js';
import { createApprovalReminderTask, MAX_REMINDER_MAILS } from '../../src/quotes/approval-reminder.task.js';
import { createQuote } from '../../src/quotes/quotes.service.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import { buildTestApp } from '../support/app.js';
import { taskContext } from '../support/inbound-pipeline.js';
import { listenToInbox, seedConversation } from '../support/inbox-fixtures.js';
import { openLive } from '../support/live-client.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { pdfText } from '../support/pdf-text.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CONTEXT = { requestId: 'quotes-test', ip: '127.0.0.1', userAgent: 'vitest' };

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let logs: CapturedLogger;
let fake: FakeGraphApi;
let tenantId: string;
let owner: SignedInMember;
let admin: SignedInMember;
let agent: SignedInMember;
let conversationId: string;
const items: Record<string, string> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeGraphApi();
  ({ app, config, logs } = await buildTestApp({
    database,
    env: { WHATSAPP_GRAPH_API_URL: fake.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: fake.hostPort },
  }));
  tenantId = await newTenant(database.db, 'Cerâmica São João');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Quotes line',
      phoneNumberId: '106540352242999',
      displayPhoneNumber: '+1 555 078 3999',
      wabaId: '102290129340999',
      accessToken: fake.accessToken,
      appSecret: 'app-secret-quotes-test-0001',
    },
  );
  ({ conversationId } = await seedConversation(
    database.db,
    tenantId,
    channel.id,
    { phoneE164: '+5511999990001', displayName: '<script>alert(1)</script>' },
    [{ direction: 'inbound', text: 'Preciso de 12 m² de piso e 2 rodapés', sentAt: new Date() }],
  ));
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await database?.drop();
});

function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  member: SignedInMember,
  payload?: object,
) {
  return app.inject({ method, url, headers: member.headers, ...(payload ? { payload } : {}) });
}

async function auditActions(quoteId: string): Promise<string[]> {
  const { rows } = await sql<{ action: string }>`
    select action from audit_log where detail->>'quoteId' = ${quoteId} order by id`.execute(database.ownerDb);
  return rows.map((row) => row.action);
}

describe('catalog', () => {
  it('creates items with integer prices and refuses duplicate SKUs, floats and unknown fields', async () => {
    const made = await call('POST', '/api/v1/catalog/items', admin, {
      sku: 'PISO-30',
      name: 'Piso cerâmico 30×30',
      unit: 'm²',
      unitPriceMinor: 2590,
      taxRateBp: 1800,
      category: 'Pisos',
    });
    expect(made.statusCode, made.body).toBe(201);
    items.piso = made.json().id;
    const second = await call('POST', '/api/v1/catalog/items', admin, {
      sku: 'ROD-1',
      name: 'Rodapé de madeira',
      unitPriceMinor: 1250,
      taxRateBp: 1800,
    });
    items.rodape = second.json().id;
    const third = await call('POST', '/api/v1/catalog/items', admin, {
      sku: 'MO',
      name: 'Mão de obra',
      unit: 'h',
      unitPriceMinor: 4000,
    });
    items.labour = third.json().id;

    expect(
      (await call('POST', '/api/v1/catalog/items', admin, { sku: 'piso-30', name: 'Dup', unitPriceMinor: 1 }))
        .statusCode,
    ).toBe(409);
    expect(
      (await call('POST', '/api/v1/catalog/items', admin, { sku: 'X', name: 'Float', unitPriceMinor: 12.5 }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await call('POST', '/api/v1/catalog/items', admin, {
          sku: 'X',
          name: 'Extra',
          unitPriceMinor: 1,
          price: 2,
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/api/v1/catalog/items', admin, { sku: 'X', name: 'Nul\u0000', unitPriceMinor: 1 }))
        .statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/api/v1/catalog/items', agent, { sku: 'Y', name: 'Agent', unitPriceMinor: 1 }))
        .statusCode,
    ).toBe(403);
  });

  it('searches ignoring accents and case, tolerating a typo', async () => {
    for (const q of ['PISO CERAMICO', 'rodape', 'mao de obra', 'cerämico', 'rodapee']) {
      const response = await call('GET', `/api/v1/catalog/search?q=${encodeURIComponent(q)}`, agent);
      expect(response.statusCode).toBe(200);
      expect(response.json().items.length, q).toBeGreaterThan(0);
    }
    const rodape = await call('GET', '/api/v1/catalog/search?q=rodape', agent);
    expect(rodape.json().items[0].sku).toBe('ROD-1');
    const none = await call('GET', '/api/v1/catalog/search?q=geladeira', agent);
    expect(none.json().items).toEqual([]);
  });

  it('imports a CSV all or nothing, updating by SKU', async () => {
    const bad = await call('POST', '/api/v1/catalog/import', admin, {
      csv: 'sku,name,unit_price,tax_rate\nA1,Argamassa,"19,90",18\nA2,Bad,12.345,0\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('line 3');
    expect((await call('GET', '/api/v1/catalog/search?q=argamassa', agent)).json().items).toEqual([]);

    const good = await call('POST', '/api/v1/catalog/import', admin, {
      csv: '\ufeffsku,name,unit_price,tax_rate,category,options\nA1,Argamassa,"19,90",18,Obra,20kg|5kg\nMO,Mão de obra especializada,45.00,0,,\n',
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json()).toEqual({ inserted: 1, updated: 1 });
    const labour = await call('GET', `/api/v1/catalog/items/${items.labour}`, agent);
    expect(labour.json()).toMatchObject({ name: 'Mão de obra especializada', unitPriceMinor: 4500 });
    expect(
      (await call('POST', '/api/v1/catalog/import', admin, { csv: 'name,price\nx,1\n' })).statusCode,
    ).toBe(400);
  });

  it('lists with a keyset cursor', async () => {
    const first = await call('GET', '/api/v1/catalog/items?limit=2', agent);
    expect(first.json().items).toHaveLength(2);
    const next = await call('GET', `/api/v1/catalog/items?limit=2&cursor=${first.json().nextCursor}`, agent);
    const ids = [...first.json().items, ...next.json().items].map((item: { id: string }) => item.id);
    expect(new Set(ids).size).toBe(4);
    expect((await call('GET', '/api/v1/catalog/items?cursor=%%%', agent)).statusCode).toBe(400);
  });
});

describe('quotes', () => {
  it('numbers quotes per workspace and year without gaps under concurrency, and a failed draft takes no number', async () => {
    const concurrentTenant = await newTenant(database.db);
    const item = await withTenant(database.db, concurrentTenant, (trx) =>
      trx
        .insertInto('catalogItems')
        .values({ sku: 'C', name: 'C', unitPriceMinor: 100, options: '[]' })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const actor = { userId: null, apiKeyId: null, context: CONTEXT };
    const make = (catalogItemId: string) =>
      createQuote(database.db, concurrentTenant, actor, { lines: [{ catalogItemId, quantity: '1' }] });
    const results = await Promise.allSettled([
      ...Array.from({ length: 12 }, () => make(item.id)),
      make('00000000-0000-4000-8000-000000000000'),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const numbers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.quote.number] : [])).sort();
    const year = new Date().getUTCFullYear();
    expect(numbers).toEqual(
      Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(4, '0')}`),
    );
  });

  it('snapshots the catalog, computes totals, edits a draft in place and refuses unknown items and stale versions', async () => {
    const created = await call('POST', '/api/v1/quotes', agent, {
      conversationId,
      lines: [
        { catalogItemId: items.piso, quantity: '12.5' },
        { catalogItemId: items.rodape, quantity: '2', discountBp: 1000 },
      ],
      discountBp: 500,
      notes: 'Entrega incluída',
    });
    expect(created.statusCode, created.body).toBe(201);
    const quote = created.json();
    expect(quote.number).toMatch(/^\d{4}-\d{4}$/);
    expect(quote.version).toMatchObject({ version: 1, status: 'draft', currency: 'EUR' });
    // 12.5 × 25.90 = 323.75; 2 × 12.50 − 10 % = 22.50; 346.25 − 5 % (17.31) = 328.94; 18 % tax = 59.21.
    expect(quote.totals).toEqual({
      subtotalMinor: 34625,
      discountMinor: 1731,
      taxes: [{ rateBp: 1800, baseMinor: 32894, taxMinor: 5921 }],
      taxMinor: 5921,
      totalMinor: 38815,
    });
    expect(quote.lines.reduce((sum: number, l: { amountMinor: number }) => sum + l.amountMinor, 0)).toBe(
      quote.totals.subtotalMinor,
    );

    // The catalog price changes after drafting: the quote keeps its snapshot.
    await call('PATCH', `/api/v1/catalog/items/${items.piso}`, admin, { unitPriceMinor: 9999 });
    const edited = await call('PUT', `/api/v1/quotes/${quote.id}`, agent, {
      version: 1,
      lines: [{ catalogItemId: items.piso, quantity: '10' }],
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().version.version).toBe(1);
    expect(edited.json().lines[0].unitPriceMinor).toBe(2590);

    const unknown = await call('PUT', `/api/v1/quotes/${quote.id}`, agent, {
      version: 1,
      lines: [{ catalogItemId: '00000000-0000-4000-8000-000000000001', quantity: '1' }],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('unknown_catalog_item');
    expect(
      (await call('PUT', `/api/v1/quotes/${quote.id}`, agent, { version: 2, lines: [] })).statusCode,
    ).toBe(409);
    expect(
      (
        await call('PUT', `/api/v1/quotes/${quote.id}`, agent, {
          version: 1,
          lines: [{ catalogItemId: items.piso, quantity: '0' }],
        })
      ).statusCode,
    ).toBe(400);
  });

  it("drafts from the customer's messages without an AI key: catalog matches, written quantities, source messages", async () => {
    const drafted = await call('POST', '/api/v1/quotes/draft-from-conversation', agent, { conversationId });
    expect(drafted.statusCode, drafted.body).toBe(201);
    const quote = drafted.json();
    expect(quote.lines.map((l: { sku: string; quantity: string }) => [l.sku, l.quantity])).toEqual([
      ['PISO-30', '12'],
      ['ROD-1', '2'],
    ]);
    const message = await database.ownerDb
      .selectFrom('messages')
      .select('id')
      .where('conversationId', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(quote.lines.every((l: { sourceMessageId: string }) => l.sourceMessageId === message.id)).toBe(
      true,
    );
    expect(quote.version.manualPriceChange).toBe(false);
    const unknown = await call('POST', '/api/v1/quotes/draft-from-conversation', agent, {
      conversationId: '00000000-0000-4000-8000-000000000002',
    });
    expect(unknown.statusCode).toBe(404);
  });

  async function draft(
    member: SignedInMember,
    lines: object[] = [{ catalogItemId: items.rodape, quantity: '3' }],
  ) {
    const response = await call('POST', '/api/v1/quotes', member, { conversationId, lines });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; number: string };
  }

  it('two approvers at once: one wins, the other gets 409; agents cannot approve', async () => {
    const quote = await draft(agent);
    expect(
      (await call('POST', `/api/v1/quotes/${quote.id}/submit`, agent, { version: 1 })).json().version.status,
    ).toBe('pending_approval');
    expect((await call('POST', `/api/v1/quotes/${quote.id}/approve`, agent, { version: 1 })).statusCode).toBe(
      403,
    );
    const [a, b] = await Promise.all([
      call('POST', `/api/v1/quotes/${quote.id}/approve`, admin, { version: 1 }),
      call('POST', `/api/v1/quotes/${quote.id}/approve`, owner, { version: 1 }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect(await auditActions(quote.id)).toEqual([
      'quote.created',
      'quote.pending_approval',
      'quote.approved',
    ]);
  });

  it("the live channel's greeting tells approvers how many quotes wait, and agents nothing", async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const baseUrl = `http://127.0.0.1:${address.port}`;
    const origin = new URL(config.http.publicUrl).origin;
    const greeting = async (member: SignedInMember) => {
      const live = await openLive(baseUrl, { cookie: member.headers.cookie as string, origin });
      live.close();
      return live.frames.find((frame) => frame.type === 'hello');
    };
    const waiting = async () =>
      (await call('GET', '/api/v1/quotes/approvals?details=false&limit=100', admin)).json().items.length;
    const before = await waiting();
    expect((await greeting(admin))?.approvalsWaiting).toBe(before);
    const quote = await draft(agent);
    await call('POST', `/api/v1/quotes/${quote.id}/submit`, agent, { version: 1 });
    expect((await greeting(owner))?.approvalsWaiting).toBe(before + 1);
    const agentHello = await greeting(agent);
    expect(agentHello).toBeDefined();
    expect(agentHello).not.toHaveProperty('approvalsWaiting');
  });

  it('the approval queue shows the conversation excerpt, and a rejection sends the quote back to draft with its reason', async () => {
    const quote = await draft(agent);
    await call('POST', `/api/v1/quotes/${quote.id}/submit`, agent, { version: 1 });
    const queue = await call('GET', '/api/v1/quotes/approvals', admin);
    expect(queue.statusCode, queue.body).toBe(200);
    const entry = queue.json().items.find((i: { quoteId: string }) => i.quoteId === quote.id);
    expect(entry.excerpt[0].text).toContain('12 m²');
    expect(entry.contactName).toBe('<script>alert(1)</script>');
    expect((await call('GET', '/api/v1/quotes/approvals', agent)).statusCode).toBe(403);

    const rejected = await call('POST', `/api/v1/quotes/${quote.id}/reject`, admin, {
      version: 1,
      reason: 'Price too low',
    });
    expect(rejected.json().version.status).toBe('draft');
    const { rows } = await sql<{ detail: { reason: string } }>`
      select detail from audit_log where action = 'quote.draft' and detail->>'quoteId' = ${quote.id}`.execute(
      database.ownerDb,
    );
    expect(rows[0]?.detail.reason).toBe('Price too low');
    expect(
      (await call('POST', `/api/v1/quotes/${quote.id}/reject`, admin, { version: 1, reason: 'again' }))
        .statusCode,
    ).toBe(409);
  });

  it('a quote waiting for approval is reminded after the set time until someone decides', async () => {
    const quote = await draft(agent);
    await call('POST', `/api/v1/quotes/${quote.id}/submit`, agent, { version: 1 });
    const { id: versionId } = await database.ownerDb
      .selectFrom('quoteVersions')
      .select('id')
      .where('quoteId', '=', quote.id)
      .executeTakeFirstOrThrow();
    const reminderJobs = async () => {
      const { rows } = await sql<{
        payload: { payload: { versionId: string; reminder: number } };
        runAt: Date;
      }>`
        select j.payload, j.run_at from graphile_worker._private_jobs j
        join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = 'quotes.approval-reminder'
          and j.payload->'payload'->>'versionId' = ${versionId}`.execute(database.ownerDb);
      return rows;
    };
    const [job] = await reminderJobs();
    // The default reminder time is 60 minutes.
    expect(Math.round((new Date(job?.runAt as Date).getTime() - Date.now()) / 60_000)).toBe(60);
    const ctx = taskContext(database.db, tenantId);
    const reminderTask = createApprovalReminderTask({
      secretKey: config.secretKey,
      publicUrl: config.http.publicUrl,
    });
    const mailJobs = async () => {
      const { rows } = await sql<{ count: string }>`
        select count(*) from graphile_worker._private_jobs j
        join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = 'mail.send'`.execute(database.ownerDb);
      return Number(rows[0]?.count);
    };
    const mailsBefore = await mailJobs();
    await reminderTask.handle({ versionId, reminder: 1 }, ctx);
    expect(await auditActions(quote.id)).toContain('quote.approval_reminder');
    expect((await reminderJobs()).map((r) => r.payload.payload.reminder)).toEqual([2]);
    // The members allowed to approve (the owner and the admin; not the agent) are mailed, up to the cap.
    expect((await mailJobs()) - mailsBefore).toBe(2);
    for (let reminder = 2; reminder <= MAX_REMINDER_MAILS + 2; reminder++) {
      await reminderTask.handle({ versionId, reminder }, ctx);
    }
    expect((await mailJobs()) - mailsBefore).toBe(2 * MAX_REMINDER_MAILS);
    const reminded = (await auditActions(quote.id)).filter((a) => a === 'quote.approval_reminder').length;
    await call('POST', `/api/v1/quotes/${quote.id}/approve`, admin, { version: 1 });
    await reminderTask.handle({ versionId, reminder: 10 }, ctx);
    expect((await auditActions(quote.id)).filter((a) => a === 'quote.approval_reminder')).toHaveLength(
      reminded,
    );
  });

  it('policy: auto-approval under a total with catalog prices only, and the drafter cannot approve their own quote', async () => {
    const policy = await call('PATCH', '/api/v1/quotes/settings', admin, {
      approvalMode: 'auto_below',
      autoApproveBelowMinor: 10_000,
      drafterCannotApprove: true,
    });
    expect(policy.statusCode, policy.body).toBe(200);
    const small = await draft(agent);
    expect(
      (await call('POST', `/api/v1/quotes/${small.id}/submit`, agent, { version: 1 })).json().version.status,
    ).toBe('approved');
    const manual = await draft(admin, [{ catalogItemId: items.rodape, quantity: '1', unitPriceMinor: 100 }]);
    expect(
      (await call('POST', `/api/v1/quotes/${manual.id}/submit`, admin, { version: 1 })).json().version.status,
    ).toBe('pending_approval');
    const own = await call('POST', `/api/v1/quotes/${manual.id}/approve`, admin, { version: 1 });
    expect(own.statusCode).toBe(403);
    expect(
      (await call('POST', `/api/v1/quotes/${manual.id}/approve`, owner, { version: 1 })).statusCode,
    ).toBe(200);
    await call('PATCH', '/api/v1/quotes/settings', admin, {
      approvalMode: 'always',
      autoApproveBelowMinor: null,
      drafterCannotApprove: false,
    });
  });

  it('refuses broken templates at save, naming line and column, and previews templates', async () => {
    const broken = await call('PATCH', '/api/v1/quotes/settings', admin, {
      messageTemplate: 'Olá\n{{ contato.nome }}',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.message).toMatch(/line 2, column 4/);
    const include = await call('PATCH', '/api/v1/quotes/settings', admin, {
      documentTemplate: '{% include "x" %}',
    });
    expect(include.statusCode).toBe(400);
    const preview = await call('POST', '/api/v1/quotes/templates/preview', admin, {
      kind: 'message',
      locale: 'pt-BR',
    });
    expect(preview.json().text).toContain('Olá Maria da Conceição');
    expect((await call('PATCH', '/api/v1/quotes/settings', admin, { currency: 'XYZ' })).statusCode).toBe(400);
  });
});

describe('logo', () => {
  const PNG_1PX =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

  it('accepts a PNG by its bytes, refuses anything else, and prints it on the PDF', async () => {
    const html = Buffer.from('<html><script>1</script></html>').toString('base64');
    expect((await call('PUT', '/api/v1/quotes/settings/logo', admin, { imageBase64: html })).statusCode).toBe(
      415,
    );
    expect(
      (await call('PUT', '/api/v1/quotes/settings/logo', admin, { imageBase64: 'not base64!' })).statusCode,
    ).toBe(400);
    expect(
      (await call('PUT', '/api/v1/quotes/settings/logo', agent, { imageBase64: PNG_1PX })).statusCode,
    ).toBe(403);
    expect(
      (await call('PUT', '/api/v1/quotes/settings/logo', admin, { imageBase64: PNG_1PX })).statusCode,
    ).toBe(204);
    expect((await call('GET', '/api/v1/quotes/settings', agent)).json().hasLogo).toBe(true);
    const created = await call('POST', '/api/v1/quotes', agent, {
      lines: [{ catalogItemId: items.rodape, quantity: '1' }],
    });
    const pdf = await call('GET', `/api/v1/quotes/${created.json().id}/pdf`, agent);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.toString('latin1')).toContain('/Subtype /Image');
    expect((await call('PUT', '/api/v1/quotes/settings/logo', admin, { imageBase64: null })).statusCode).toBe(
      204,
    );
  });
});

describe('sending and the customer', () => {
  let quoteId: string;
  let link: string;
  let token: string;

  async function approvedQuote(): Promise<{ id: string }> {
    const created = await call('POST', '/api/v1/quotes', agent, {
      conversationId,
      lines: [{ catalogItemId: items.rodape, quantity: '4' }],
    });
    const quote = created.json();
    await call('POST', `/api/v1/quotes/${quote.id}/submit`, agent, { version: 1 });
    await call('POST', `/api/v1/quotes/${quote.id}/approve`, admin, { version: 1 });
    return quote;
  }

  it('sending stores the PDF and returns a link and message text; only approved quotes are sent', async () => {
    const pending = await call('POST', '/api/v1/quotes', agent, {
      lines: [{ catalogItemId: items.rodape, quantity: '1' }],
    });
    expect(
      (await call('POST', `/api/v1/quotes/${pending.json().id}/send`, agent, { version: 1 })).statusCode,
    ).toBe(409);

    quoteId = (await approvedQuote()).id;
    const sent = await call('POST', `/api/v1/quotes/${quoteId}/send`, agent, { version: 1 });
    expect(sent.statusCode, sent.body).toBe(200);
    ({ link } = sent.json());
    token = link.split('/q/')[1] as string;
    expect(sent.json().messageText).toContain('<script>alert(1)</script>');
    expect(sent.json().messageText).not.toContain('&lt;');
    const stored = await database.ownerDb.selectFrom('quoteDocuments').selectAll().executeTakeFirstOrThrow();
    expect(createHash('sha256').update(stored.pdf).digest('hex')).toBe(sent.json().pdfSha256);
    const text = (await pdfText(stored.pdf)).join(' ');
    expect(text).toContain('Rodapé de madeira');
    expect(text).toContain('<script>alert(1)</script>');
  });

  it('the public page shows the quote before the buttons, escapes names, has a strict CSP and marks the quote viewed', async () => {
    const events = await listenToInbox(database.ownerUrl);
    try {
      const page = await app.inject({ method: 'GET', url: `/q/${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).not.toContain('<script>');
      expect(page.body).toContain('&lt;script&gt;');
      expect(page.body.indexOf('Rodapé de madeira')).toBeLessThan(page.body.indexOf('<form'));
      await events.waitFor(
        (n) => n.event.type === 'quote.updated' && n.event.quoteId === quoteId && n.event.status === 'viewed',
      );
    } finally {
      await events.close();
    }
    const quote = await call('GET', `/api/v1/quotes/${quoteId}`, agent);
    expect(quote.json().version.status).toBe('viewed');
  });

  it('form posts need the link-bound token and a same-origin Origin', async () => {
    const form = (payload: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: `/q/${token}/accept`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload,
      });
    expect((await form('name=Maria')).statusCode).toBe(403);
    const shown = await app.inject({ method: 'GET', url: `/q/${token}` });
    // Browsers send `Origin: null` with a form post from a `no-referrer` page: the page allows its origin.
    expect(shown.headers['referrer-policy']).toBe('same-origin');
    const page = shown.body;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    expect((await form(`name=Maria&csrf=${csrf}`, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await form(`name=&csrf=${csrf}`)).statusCode).toBe(400);
    expect((await form(`name=a&name=b&csrf=${csrf}`)).statusCode).toBe(400);
    const accepted = await form(`name=${encodeURIComponent('Maria da Conceição')}&csrf=${csrf}`);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.body).not.toContain('<form');

    const decision = await database.ownerDb
      .selectFrom('quoteDecisions')
      .selectAll()
      .executeTakeFirstOrThrow();
    const documentRow = await database.ownerDb
      .selectFrom('quoteDocuments')
      .select('sha256')
      .executeTakeFirstOrThrow();
    expect(decision).toMatchObject({
      decision: 'accepted',
      customerName: 'Maria da Conceição',
      userAgent: 'lightMyRequest',
    });
    expect(decision.ip).toBeTruthy();
    expect(decision.pdfSha256?.equals(documentRow.sha256)).toBe(true);
    const events = await database.ownerDb
      .selectFrom('domainEvents')
      .selectAll()
      .where('type', '=', 'quote.accepted')
      .execute();
    expect(events.map((e) => e.subjectId)).toEqual([quoteId]);
    // Accepting twice is refused.
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/public/quotes/${token}/accept`,
      payload: { name: 'Maria' },
    });
    expect(again.statusCode).toBe(409);
    expect(await auditActions(quoteId)).toEqual([
      'quote.created',
      'quote.pending_approval',
      'quote.approved',
      'quote.sent',
      'quote.viewed',
      'quote.accepted',
    ]);
  });

  it('an edit after sending makes a new version; the superseded version cannot be accepted; the diff names the change', async () => {
    const quote = await approvedQuote();
    const sent = await call('POST', `/api/v1/quotes/${quote.id}/send`, agent, { version: 1 });
    const oldToken = sent.json().link.split('/q/')[1];
    const edited = await call('PUT', `/api/v1/quotes/${quote.id}`, agent, {
      version: 1,
      lines: [
        { catalogItemId: items.rodape, quantity: '5' },
        { catalogItemId: items.labour, quantity: '2' },
      ],
    });
    expect(edited.json().version).toMatchObject({ version: 2, status: 'draft' });
    expect(edited.json().versions.map((v: { status: string }) => v.status)).toEqual(['superseded', 'draft']);
    // The first version's content is frozen.
    const v1 = await call('GET', `/api/v1/quotes/${quote.id}?version=1`, agent);
    expect(v1.json().lines).toHaveLength(1);
    expect(v1.json().lines[0].quantity).toBe('4');
    const diff = (await call('GET', `/api/v1/quotes/${quote.id}/diff`, agent)).json().diff;
    expect(diff.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sku: 'ROD-1', change: 'changed' }),
        expect.objectContaining({ sku: 'MO', change: 'added' }),
      ]),
    );
    const refused = await app.inject({
      method: 'POST',
      url: `/api/v1/public/quotes/${oldToken}/accept`,
      payload: { name: 'Maria' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/newer version/);
  });

  it('declining records an optional reason', async () => {
    const quote = await approvedQuote();
    const sent = await call('POST', `/api/v1/quotes/${quote.id}/send`, agent, { version: 1 });
    const t = sent.json().link.split('/q/')[1];
    const declined = await app.inject({
      method: 'POST',
      url: `/api/v1/public/quotes/${t}/decline`,
      payload: { reason: 'Too expensive' },
    });
    expect(declined.statusCode).toBe(204);
    expect((await call('GET', `/api/v1/quotes/${quote.id}`, agent)).json().version.status).toBe('declined');
  });

  it('bad input on the public endpoints gets a 4xx, never a 5xx, and stores nothing', async () => {
    const before = await database.ownerDb
      .selectFrom('quoteDecisions')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    const forged = `${token.slice(0, -4)}AAAA`;
    const cases: {
      method: 'GET' | 'POST';
      url: string;
      payload?: unknown;
      headers?: Record<string, string>;
      status: number;
    }[] = [
      { method: 'GET', url: '/api/v1/public/quotes/not%20a%20token', status: 400 },
      { method: 'GET', url: `/api/v1/public/quotes/${forged}`, status: 404 },
      { method: 'GET', url: `/api/v1/public/quotes/${'A'.repeat(150)}`, status: 400 },
      { method: 'GET', url: `/q/${forged}`, status: 404 },
      { method: 'GET', url: `/q/${forged}/pdf`, status: 404 },
      { method: 'POST', url: `/api/v1/public/quotes/${forged}/accept`, payload: { name: 'X' }, status: 404 },
      {
        method: 'POST',
        url: `/api/v1/public/quotes/${token}/accept`,
        payload: '{"__proto__":{"admin":true},"name":"X"}',
        headers: { 'content-type': 'application/json' },
        status: 400,
      },
      {
        method: 'POST',
        url: `/api/v1/public/quotes/${token}/accept`,
        payload: '{"name":"X","name":"Y"}',
        headers: { 'content-type': 'application/json' },
        status: 409,
      },
      {
        method: 'POST',
        url: `/api/v1/public/quotes/${token}/accept`,
        payload: { name: 'X'.repeat(201) },
        status: 400,
      },
      {
        method: 'POST',
        url: `/api/v1/public/quotes/${token}/accept`,
        payload: { name: 'Nul\u0000l' },
        status: 400,
      },
      { method: 'POST', url: `/api/v1/public/quotes/${token}/accept`, payload: { name: ['a'] }, status: 400 },
      {
        method: 'POST',
        url: `/api/v1/public/quotes/${token}/decline`,
        payload: 'reason=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
      },
      // JSON to the page's form: no form token, so refused.
      { method: 'POST', url: `/q/${token}/accept`, payload: { name: 'X' }, status: 403 },
      {
        method: 'POST',
        url: `/q/${token}/accept`,
        payload: `name=${'x'.repeat(9000)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 413,
      },
      {
        method: 'POST',
        url: `/q/${token}/accept`,
        payload: 'name=x&__proto__=y',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 400,
      },
      {
        method: 'POST',
        url: `/api/v1/public/quotes/${token}/accept`,
        payload: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
        headers: { 'content-type': 'application/json' },
        status: 400,
      },
    ];
    for (const c of cases) {
      const response = await app.inject({
        method: c.method,
        url: c.url,
        headers: c.headers,
        ...(c.payload === undefined ? {} : { payload: c.payload as string }),
      });
      expect(response.statusCode, `${c.method} ${c.url.slice(0, 60)}: ${response.body.slice(0, 200)}`).toBe(
        c.status,
      );
    }
    const after = await database.ownerDb
      .selectFrom('quoteDecisions')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('an expired quote cannot be accepted, an expired link is 404, and request logs never hold the token', async () => {
    const quote = await approvedQuote();
    const sent = await call('POST', `/api/v1/quotes/${quote.id}/send`, agent, { version: 1 });
    const t = sent.json().link.split('/q/')[1] as string;
    // Move the validity date into the past: the signed link expired with it.
    await database.ownerDb
      .updateTable('quoteVersions')
      .set({ validUntil: '2020-01-01' })
      .where('quoteId', '=', quote.id)
      .execute();
    const view = await app.inject({ method: 'GET', url: `/api/v1/public/quotes/${t}` });
    expect(view.statusCode).toBe(200);
    expect(view.json().status).toBe('expired');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/v1/public/quotes/${t}/accept`,
          payload: { name: 'Late' },
        })
      ).statusCode,
    ).toBe(409);
    // A genuine link whose own expiry passed answers as if it never existed.
    const { id: versionId } = await database.ownerDb
      .selectFrom('quoteVersions')
      .select('id')
      .where('quoteId', '=', quote.id)
      .executeTakeFirstOrThrow();
    const stale = signQuoteLink(config.secretKey, {
      tenantId,
      versionId,
      expiresAt: new Date(Date.now() - 1000),
    });
    expect((await app.inject({ method: 'GET', url: `/q/${stale}` })).statusCode).toBe(404);
    // Request logs show the customer links' paths with the token masked.
    expect(logs.text()).toContain('/api/v1/public/quotes/~');
    for (const seen of [t, token, stale]) expect(logs.text()).not.toContain(seen);
  });
});
