import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/accounts/permissions.js';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import { insertInboundMessage } from '../../src/conversations/messages.repository.js';
import { DRAFT_REPLY_HEADING } from '../../src/integrations/mcp/mcp-tools.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { submitForApproval } from '../../src/quotes/approval.service.js';
import { createCatalogItem } from '../../src/quotes/catalog/catalog.service.js';
import { changeQuoteSettings } from '../../src/quotes/quote-settings.js';
import { createQuote } from '../../src/quotes/quotes.service.js';
import { buildTestApp } from '../support/app.js';
import { createConversation } from '../support/outbound-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The MCP server over real HTTP with the SDK's own client: API-key authentication and scopes, the tools'
 * answers from stored (encrypted) data, drafts that send nothing, audit entries without personal data,
 * and workspaces that never see each other.
 */

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let base: string;
const CONTEXT = { requestId: 'mcp-test', ip: '127.0.0.1', userAgent: 'vitest' };

interface Workspace {
  tenantId: string;
  owner: SignedInMember;
  conversationId: string;
  channelId: string;
  contactId: string;
  quoteId: string;
}
let a: Workspace;
let b: Workspace;

async function seedWorkspace(label: string, firstName: string, phone: string): Promise<Workspace> {
  const tenantId = await newTenant(database.db, `MCP ${label}`);
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const conversation = await createConversation(database.db, config, { tenantId, accessToken: 't' });
  const contactId = await withTenant(database.db, tenantId, async (trx) => {
    const contact = await upsertContact(trx, { phoneE164: phone, displayName: firstName });
    await trx
      .updateTable('contacts')
      .set({ firstName, lastName: 'Bianchi', company: `${label} Kitchens` })
      .where('id', '=', contact.id)
      .execute();
    await trx
      .updateTable('conversations')
      .set({ contactId: contact.id })
      .where('id', '=', conversation.conversationId)
      .execute();
    for (const text of ['Hello, I need a new kitchen', `My budget is 4200 euros, ${firstName}`]) {
      await insertInboundMessage(trx, {
        conversationId: conversation.conversationId,
        channelId: conversation.channelId,
        providerMessageId: `wamid.${randomBytes(8).toString('hex')}`,
        sentAt: new Date(),
        message: { type: 'text', author: 'customer', text, content: {}, media: null },
      });
    }
    return contact.id;
  });
  const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
  await changeQuoteSettings(database.db, tenantId, actor, { currency: 'EUR' });
  const item = await createCatalogItem(database.db, tenantId, actor, {
    sku: 'CAB',
    name: 'Cabinet',
    unitPriceMinor: 25_000,
  });
  const { quote } = await createQuote(database.db, tenantId, actor, {
    conversationId: conversation.conversationId,
    lines: [{ catalogItemId: item.id, quantity: '2' }],
  });
  await submitForApproval(database.db, tenantId, actor, quote.id, 1);
  return {
    tenantId,
    owner,
    conversationId: conversation.conversationId,
    channelId: conversation.channelId,
    contactId,
    quoteId: quote.id,
  };
}

async function keyFor(workspace: Workspace, scopes: Scope[]): Promise<string> {
  const actor = { userId: workspace.owner.userId, apiKeyId: null, context: CONTEXT };
  return (
    await createApiKey(database.db, workspace.tenantId, actor, { name: 'assistant', scopes, expiresAt: null })
  ).key;
}

async function connect(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'leadline-test-assistant', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function structured(result: Awaited<ReturnType<Client['callTool']>>): Record<string, unknown> {
  expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
  return result.structuredContent as Record<string, unknown>;
}

async function auditOf(tenantId: string) {
  const { rows } = await sql<{
    action: string;
    detail: Record<string, unknown>;
    actorApiKeyId: string | null;
  }>`
    select action, detail, actor_api_key_id from audit_log
    where tenant_id = ${tenantId} and action like 'mcp.%' order by id`.execute(database.ownerDb);
  return rows;
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  a = await seedWorkspace('A', 'Giulia', '+393331234567');
  b = await seedWorkspace('B', 'Marta', '+5511987654321');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('authentication and scopes', () => {
  it('answers 401 without a key, with an unknown key and with a revoked one', async () => {
    for (const headers of [{}, bearer(`ll_${'A'.repeat(16)}_${'x'.repeat(32)}`)]) {
      const failure = await connect(headers).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StreamableHTTPError);
      expect((failure as StreamableHTTPError).code).toBe(401);
    }
    const key = await keyFor(a, ['mcp:read']);
    const client = await connect(bearer(key));
    await client.close();
    await sql`update api_keys set revoked_at = now() where tenant_id = ${a.tenantId}
      and public_id = ${key.split('_')[1]}`.execute(database.ownerDb);
    const revoked = await connect(bearer(key)).catch((error: unknown) => error);
    expect((revoked as StreamableHTTPError).code).toBe(401);
  });

  it('answers 403 to a key without an MCP scope and to a signed-in session', async () => {
    const other = await connect(bearer(await keyFor(a, ['contacts:read']))).catch((error: unknown) => error);
    expect((other as StreamableHTTPError).code).toBe(403);
    const session = await connect(a.owner.headers).catch((error: unknown) => error);
    expect((session as StreamableHTTPError).code).toBe(403);
  });

  it('lists only the tools the scopes allow, and answers 403 to a draft call with the read scope', async () => {
    const reader = await connect(bearer(await keyFor(a, ['mcp:read'])));
    const names = (await reader.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(['conversation_summary', 'list_quotes_awaiting_approval', 'search_contacts']);
    const refused = await reader
      .callTool({ name: 'draft_reply', arguments: { conversationId: a.conversationId, text: 'Hi' } })
      .catch((error: unknown) => error);
    expect((refused as StreamableHTTPError).code).toBe(403);
    await reader.close();

    const drafter = await connect(bearer(await keyFor(a, ['mcp:draft'])));
    const all = (await drafter.listTools()).tools;
    expect(all.map((tool) => tool.name).sort()).toEqual([
      'conversation_summary',
      'draft_campaign',
      'draft_reply',
      'list_quotes_awaiting_approval',
      'search_contacts',
    ]);
    expect(all.find((tool) => tool.name === 'draft_reply')?.annotations?.readOnlyHint).toBe(false);
    expect(all.find((tool) => tool.name === 'search_contacts')?.inputSchema.properties).toHaveProperty(
      'query',
    );
    await drafter.close();
    const denied = (await auditOf(a.tenantId)).filter((entry) => entry.action === 'mcp.tool_denied');
    expect(denied.map((entry) => entry.detail)).toEqual([{ tool: 'draft_reply', missingScope: 'mcp:draft' }]);
  });

  it('answers malformed JSON-RPC with a 4xx error envelope and changes nothing', async () => {
    const key = await keyFor(a, ['mcp:draft']);
    const headers = {
      ...bearer(key),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const bodies = [
      '{"jsonrpc":"2.0"',
      '{"hello":"world"}',
      '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
      '{"jsonrpc":"2.0","id":{"x":1},"method":"tools/list"}',
      '[]',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","__proto__":{"admin":true}}',
      JSON.stringify(Array.from({ length: 21 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'ping' }))),
    ];
    for (const body of bodies) {
      const response = await fetch(`${base}/mcp`, { method: 'POST', headers, body });
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
      const answer = (await response.json()) as { error: { code: string; requestId: string } };
      expect(answer.error.requestId, body).toBeTruthy();
    }
    // Not JSON at all: 415 before the body is read; GET and DELETE: 405 (stateless, no stream).
    const text = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${base}/mcp`, { method, headers: bearer(key) });
      expect(response.status).toBe(405);
    }
    const notes = await sql<{ n: number }>`select count(*)::int as n from conversation_notes
      where tenant_id = ${a.tenantId}`.execute(database.ownerDb);
    expect(notes.rows[0]?.n).toBe(0);
  });
});

describe('the tools', () => {
  it('searches contacts, summarises a conversation from its encrypted messages and lists quotes awaiting approval', async () => {
    const client = await connect(bearer(await keyFor(a, ['mcp:read'])));
    const found = structured(
      await client.callTool({ name: 'search_contacts', arguments: { query: 'giulia' } }),
    );
    expect(found.contacts).toEqual([
      expect.objectContaining({ id: a.contactId, name: 'Giulia Bianchi', phone: '+393331234567' }),
    ]);
    // Another workspace's contact is not found by name.
    const marta = structured(
      await client.callTool({ name: 'search_contacts', arguments: { query: 'Marta' } }),
    );
    expect(marta.contacts).toEqual([]);

    const summary = structured(
      await client.callTool({
        name: 'conversation_summary',
        arguments: { conversationId: a.conversationId },
      }),
    );
    expect(summary).toMatchObject({
      conversationId: a.conversationId,
      channel: 'whatsapp',
      contact: { id: a.contactId, name: 'Giulia Bianchi', company: 'A Kitchens' },
      counts: { inbound: 2, outbound: 0, notes: 0 },
      quotes: [{ status: 'pending_approval', totalMinor: '50000', currency: 'EUR' }],
    });
    expect((summary.recent as { text: string }[]).map((message) => message.text)).toEqual([
      'Hello, I need a new kitchen',
      'My budget is 4200 euros, Giulia',
    ]);

    const queue = structured(await client.callTool({ name: 'list_quotes_awaiting_approval', arguments: {} }));
    expect(queue.quotes).toEqual([
      expect.objectContaining({ quoteId: a.quoteId, totalMinor: '50000', contactName: 'Giulia' }),
    ]);
    await client.close();
  });

  it("never reaches another workspace's conversation, and says so without details", async () => {
    const client = await connect(bearer(await keyFor(a, ['mcp:draft'])));
    for (const call of [
      { name: 'conversation_summary', arguments: { conversationId: b.conversationId } },
      { name: 'draft_reply', arguments: { conversationId: b.conversationId, text: 'Hello Marta' } },
    ]) {
      const result = await client.callTool(call);
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('Conversation not found');
      expect(JSON.stringify(result.content)).not.toContain('Marta');
    }
    const bad = await client.callTool({ name: 'search_contacts', arguments: { query: 'x', cursor: '!!' } });
    expect(bad.isError).toBe(true);
    await client.close();
    const notes = await sql<{ n: number }>`select count(*)::int as n from conversation_notes
      where tenant_id = ${b.tenantId}`.execute(database.ownerDb);
    expect(notes.rows[0]?.n).toBe(0);
  });

  it('drafts a reply as a private note: nothing is sent, and the call is audited without its text', async () => {
    const key = await keyFor(a, ['mcp:draft']);
    const client = await connect(bearer(key));
    const before = await sql<{ n: number }>`select count(*)::int as n from messages
      where tenant_id = ${a.tenantId}`.execute(database.ownerDb);
    const drafted = structured(
      await client.callTool({
        name: 'draft_reply',
        arguments: {
          conversationId: a.conversationId,
          text: 'Dear Giulia, a 4200 euro kitchen is possible.',
        },
      }),
    );
    expect(drafted).toMatchObject({ conversationId: a.conversationId, sent: false });
    await client.close();

    const after = await sql<{ n: number }>`select count(*)::int as n from messages
      where tenant_id = ${a.tenantId}`.execute(database.ownerDb);
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    const { rows: outbox } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs
      where task_identifier like '%send%'`.execute(database.ownerDb);
    expect(outbox[0]?.n).toBe(0);

    // The operator sees it among the conversation's notes; stored encrypted like every note.
    const notes = await app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${a.conversationId}/notes`,
      headers: a.owner.headers,
    });
    expect(notes.statusCode).toBe(200);
    expect(notes.json().items.map((note: { text: string }) => note.text)).toEqual([
      `${DRAFT_REPLY_HEADING}\n\nDear Giulia, a 4200 euro kitchen is possible.`,
    ]);
    const raw = await sql<{ text: string }>`select text from conversation_notes
      where id = ${drafted.noteId as string}`.execute(database.ownerDb);
    expect(raw.rows[0]?.text).not.toContain('Giulia');

    const audit = await auditOf(a.tenantId);
    const calls = audit.filter((entry) => entry.action === 'mcp.tool_called');
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(calls.at(-1)).toMatchObject({ detail: { tool: 'draft_reply', outcome: 'ok' } });
    expect(calls.every((entry) => entry.actorApiKeyId !== null)).toBe(true);
    expect(JSON.stringify(audit)).not.toMatch(/Giulia|4200|kitchen|\+39/i);
  });

  it('drafts a campaign through the campaigns service: a draft, nobody queued, nothing sent', async () => {
    const reader = await connect(bearer(await keyFor(a, ['mcp:read'])));
    const call = {
      name: 'draft_campaign',
      arguments: {
        name: 'Spring kitchens',
        channelKind: 'whatsapp',
        channelId: a.channelId,
        content: { variants: [{ key: 'A', template: { name: 'spring_offer', language: 'en_US' } }] },
      },
    };
    const refused = await reader.callTool(call).catch((error: unknown) => error);
    expect((refused as StreamableHTTPError).code).toBe(403);
    await reader.close();

    const client = await connect(bearer(await keyFor(a, ['mcp:draft'])));
    const drafted = structured(await client.callTool(call));
    expect(drafted).toMatchObject({ name: 'Spring kitchens', status: 'draft', launched: false });
    // Another workspace's channel is not one of this workspace's.
    const foreign = await client.callTool({
      ...call,
      arguments: { ...call.arguments, channelId: b.channelId },
    });
    expect(foreign.isError).toBe(true);
    await client.close();

    const { rows } = await sql<{ status: string; tenantId: string }>`
      select status, tenant_id from campaigns where id = ${drafted.campaignId as string}`.execute(
      database.ownerDb,
    );
    expect(rows).toEqual([{ status: 'draft', tenantId: a.tenantId }]);
    const recipients = await sql<{ n: number }>`select count(*)::int as n from campaign_recipients`.execute(
      database.ownerDb,
    );
    expect(recipients.rows[0]?.n).toBe(0);
    const calls = (await auditOf(a.tenantId)).filter((entry) => entry.action === 'mcp.tool_called');
    expect(calls.slice(-2).map((entry) => entry.detail)).toEqual([
      { tool: 'draft_campaign', outcome: 'ok' },
      { tool: 'draft_campaign', outcome: 'validation_failed' },
    ]);
  });
});
