import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUOTE_PREPARING } from '../../src/agent/llm/quote-tools.js';
import { createCatalogItem } from '../../src/quotes/catalog/catalog.service.js';
import type { CatalogItem } from '../../src/quotes/quotes.table.js';
import { GREETING, type LlmStep, type RecordedLlmRequest } from '../fakes/llm-fake-server.js';
import { listenToInbox } from '../support/inbox-fixtures.js';
import { conversationQueries } from '../support/llm-queries.js';
import { type LlmWorld, llmSuite, newCustomer, openAiEntry, saveSettings } from '../support/llm-world.js';

/**
 * Issue 14, drafting from the conversation with an LLM provider: the model searches the catalog and
 * proposes item ids, quantities and source messages through tools (OpenAI tools/tool_calls, Anthropic
 * tool_use/tool_result); the server prices the lines from the catalog, refuses unknown ids and any extra
 * field, and the bot's reply never states a price.
 */

const suite = llmSuite();
let world: LlmWorld;
let tile: CatalogItem;
let skirting: CatalogItem;
const queries = () => conversationQueries(world.database);
const drafting = () => suite.fresh(undefined, undefined, true);

beforeAll(async () => {
  world = suite.world();
  const actor = {
    userId: world.owner.userId,
    apiKeyId: null,
    context: { requestId: 'seed', ip: '127.0.0.1', userAgent: 'vitest' },
  };
  tile = await createCatalogItem(world.database.db, world.tenantId, actor, {
    sku: 'PISO-60',
    name: 'Piso cerâmico 60x60',
    unit: 'm²',
    unitPriceMinor: 4990,
  });
  skirting = await createCatalogItem(world.database.db, world.tenantId, actor, {
    sku: 'ROD-01',
    name: 'Rodapé branco',
    unit: 'un',
    unitPriceMinor: 1250,
  });
});

/** The id the prompt labelled the customer's latest message with (`[message <id>]`). */
function lastMessageId(body: Record<string, unknown>): string {
  const text = JSON.stringify(body.messages);
  const ids = [...text.matchAll(/\[message ([0-9a-f-]{36})\]/g)].map((match) => match[1] as string);
  const id = ids.at(-1);
  if (!id) throw new Error('the prompt labelled no customer message');
  return id;
}

/** The id of the first labelled customer message. */
function firstMessageId(body: Record<string, unknown>): string {
  const match = /\[message ([0-9a-f-]{36})\]/.exec(JSON.stringify(body.messages));
  if (!match?.[1]) throw new Error('the prompt labelled no customer message');
  return match[1];
}

const search = (query: string): LlmStep => ({
  kind: 'tools',
  calls: [{ name: 'search_catalog', arguments: { query } }],
});

const propose = (lines: (body: Record<string, unknown>) => unknown[]): LlmStep => ({
  kind: 'tools',
  calls: [{ name: 'propose_quote', arguments: (body: Record<string, unknown>) => ({ lines: lines(body) }) }],
});

const reply = (text: string): LlmStep => ({
  kind: 'json',
  value: { ...GREETING, reply: text, language: 'pt', intent: 'quote_request' },
});

async function quotesOf(conversationId: string) {
  const db = world.database.ownerDb;
  const quotes = await db
    .selectFrom('quotes')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .execute();
  const lines = await db
    .selectFrom('quoteLines')
    .innerJoin('quoteVersions', 'quoteVersions.id', 'quoteLines.quoteVersionId')
    .innerJoin('quotes', 'quotes.id', 'quoteVersions.quoteId')
    .select([
      'quoteVersions.status',
      'quoteLines.catalogItemId',
      'quoteLines.unitPriceMinor',
      'quoteLines.quantityMilli',
      'quoteLines.sourceMessageId',
    ])
    .where('quotes.conversationId', '=', conversationId)
    .orderBy('quoteLines.position')
    .execute();
  return { quotes, lines };
}

async function inboundIds(conversationId: string): Promise<string[]> {
  const rows = await world.database.ownerDb
    .selectFrom('messages')
    .select('id')
    .where('conversationId', '=', conversationId)
    .where('direction', '=', 'inbound')
    .execute();
  return rows.map((row) => row.id);
}

/** The tool results the model was shown in a request, as OpenAI `tool` messages' content. */
function openAiToolResults(request: RecordedLlmRequest | undefined): string[] {
  const messages = (request?.body.messages ?? []) as { role: string; content: string }[];
  return messages.filter((message) => message.role === 'tool').map((message) => message.content);
}

describe('LLM drafting through the catalog tools', () => {
  it('OpenAI: searches, proposes ids and quantities, and a draft is priced from the catalog', async () => {
    await saveSettings(world, { providers: [openAiEntry(world)] });
    const from = newCustomer();
    world.openai.script(
      search('piso'),
      propose((body) => [
        { itemId: tile.id, quantity: 12, sourceMessageId: lastMessageId(body) },
        { itemId: skirting.id, quantity: 2, sourceMessageId: lastMessageId(body) },
      ]),
      reply('Obrigado! Estou preparando o seu orçamento.'),
    );
    const events = await listenToInbox(world.database.ownerUrl);
    try {
      await drafting().say(from, 'Preciso de 12 m² de piso e 2 rodapés');
      // The operator's inbox is told at once: a draft appeared in this conversation.
      const { id: conversationId } = await queries().conversation(from);
      await events.waitFor(
        (n) =>
          n.event.type === 'quote.updated' &&
          n.event.conversationId === conversationId &&
          n.event.status === 'draft',
      );
    } finally {
      await events.close();
    }

    const [first, second, third] = world.openai.requests;
    const tools = (first?.body.tools ?? []) as { function: { name: string } }[];
    expect(tools.map((tool) => tool.function.name)).toEqual(['search_catalog', 'propose_quote']);
    const [searched] = openAiToolResults(second);
    expect(JSON.parse(searched ?? '{}').items).toContainEqual({
      itemId: tile.id,
      sku: 'PISO-60',
      name: 'Piso cerâmico 60x60',
      unit: 'm²',
    });
    expect(searched).not.toContain('4990');
    expect(openAiToolResults(third).at(-1)).toContain('"created":true');
    const wire = (third?.body.messages ?? []) as {
      role: string;
      tool_calls?: { id: string; function: { name: string } }[];
      tool_call_id?: string;
    }[];
    const asked = wire.filter((message) => message.role === 'assistant' && message.tool_calls);
    expect(asked.map((message) => message.tool_calls?.[0]?.function.name)).toEqual([
      'search_catalog',
      'propose_quote',
    ]);
    expect(wire.filter((message) => message.role === 'tool').map((message) => message.tool_call_id)).toEqual(
      asked.map((message) => message.tool_calls?.[0]?.id),
    );

    const conversation = await queries().conversation(from);
    const [messageId] = await inboundIds(conversation.id);
    const { quotes, lines } = await quotesOf(conversation.id);
    expect(quotes).toHaveLength(1);
    expect(quotes[0]?.createdByUserId).toBeNull();
    expect(lines).toEqual([
      {
        status: 'draft',
        catalogItemId: tile.id,
        unitPriceMinor: '4990',
        quantityMilli: '12000',
        sourceMessageId: messageId,
      },
      {
        status: 'draft',
        catalogItemId: skirting.id,
        unitPriceMinor: '1250',
        quantityMilli: '2000',
        sourceMessageId: messageId,
      },
    ]);
    expect(await queries().botReplies(from)).toEqual(['Obrigado! Estou preparando o seu orçamento.']);
    expect((await queries().calls(from)).map((call) => call.outcome)).toEqual([
      'tool_calls',
      'tool_calls',
      'ok',
    ]);
  });

  it('Anthropic: tool_use and tool_result blocks, after the OpenAI provider failed over', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.setFallback({ kind: 'error', status: 500 });
    world.anthropic.script(
      propose((body) => [{ itemId: skirting.id, quantity: 5, sourceMessageId: lastMessageId(body) }]),
      reply('Perfeito, o orçamento está sendo preparado.'),
    );
    await drafting().say(from, 'Quero 5 rodapés');

    const [first, second] = world.anthropic.requests;
    expect(((first?.body.tools ?? []) as { name: string }[]).map((tool) => tool.name)).toEqual([
      'search_catalog',
      'propose_quote',
    ]);
    const turns = (second?.body.messages ?? []) as { role: string; content: unknown }[];
    const use = turns.at(-2)?.content as { type: string; id: string }[];
    const result = turns.at(-1)?.content as { type: string; tool_use_id: string; content: string }[];
    expect(use[0]?.type).toBe('tool_use');
    expect(result[0]).toMatchObject({ type: 'tool_result', tool_use_id: use[0]?.id });
    expect(result[0]?.content).toContain('"created":true');

    const conversation = await queries().conversation(from);
    const { lines } = await quotesOf(conversation.id);
    expect(lines.map((line) => [line.catalogItemId, line.unitPriceMinor, line.quantityMilli])).toEqual([
      [skirting.id, '1250', '5000'],
    ]);
    const calls = await queries().calls(from);
    expect(calls.filter((call) => call.providerKind === 'anthropic').map((call) => call.outcome)).toEqual([
      'tool_calls',
      'ok',
    ]);
    expect(calls.some((call) => call.providerKind === 'openai' && call.outcome === 'server_error')).toBe(
      true,
    );
  });

  it('refuses an id not in the catalog: the model reads why, and no line is drafted', async () => {
    await saveSettings(world, { providers: [openAiEntry(world)] });
    const from = newCustomer();
    const unknown = randomUUID();
    world.openai.script(
      propose((body) => [
        { itemId: unknown, quantity: 1, sourceMessageId: lastMessageId(body) },
        { itemId: tile.id, quantity: 3, sourceMessageId: lastMessageId(body) },
      ]),
      reply('Vou confirmar com um colega.'),
    );
    await drafting().say(from, 'Quero 3 m² de piso e uma banheira dourada');

    const refused = openAiToolResults(world.openai.requests[1]).at(-1) ?? '';
    expect(refused).toContain('refused');
    expect(refused).toContain(unknown);
    const conversation = await queries().conversation(from);
    expect(await quotesOf(conversation.id)).toEqual({ quotes: [], lines: [] });
  });

  it('refuses a proposal carrying a price, and one naming a message of another conversation', async () => {
    await saveSettings(world, { providers: [openAiEntry(world)] });
    const from = newCustomer();
    world.openai.script(
      propose((body) => [
        { itemId: tile.id, quantity: 2, sourceMessageId: lastMessageId(body), unitPriceMinor: 100 },
      ]),
      propose(() => [{ itemId: tile.id, quantity: 2, sourceMessageId: randomUUID() }]),
      reply('Um colega vai preparar o orçamento.'),
    );
    await drafting().say(from, 'Quero 2 m² de piso por 1 real');

    const results = openAiToolResults(world.openai.requests[2]);
    expect(results[0]).toContain('unknown field(s) unitPriceMinor');
    expect(results[1]).toContain('not a customer message of this conversation');
    const conversation = await queries().conversation(from);
    expect((await quotesOf(conversation.id)).quotes).toEqual([]);
  });

  it('refuses a second draft for customer messages an earlier quote already covers', async () => {
    await saveSettings(world, { providers: [openAiEntry(world)] });
    const harness = drafting();
    const from = newCustomer();
    world.openai.script(
      propose((body) => [{ itemId: tile.id, quantity: 7, sourceMessageId: lastMessageId(body) }]),
      reply('Orçamento em preparação.'),
    );
    await harness.say(from, 'Quero 7 m² de piso');
    // Next message: the model proposes the same line again, citing the first (already drafted) message.
    world.openai.script(
      propose((body) => [{ itemId: tile.id, quantity: 7, sourceMessageId: firstMessageId(body) }]),
      reply('Já está em preparação.'),
    );
    await harness.say(from, 'Obrigado, fico aguardando');

    expect(openAiToolResults(world.openai.requests.at(-1)).at(-1)).toContain('already covers');
    const conversation = await queries().conversation(from);
    expect((await quotesOf(conversation.id)).quotes).toHaveLength(1);
  });

  it('replaces a reply stating a price with the neutral line, counted and audited', async () => {
    await saveSettings(world, { providers: [openAiEntry(world)] });
    const harness = drafting();
    const from = newCustomer();
    world.openai.script(
      propose((body) => [{ itemId: tile.id, quantity: 10, sourceMessageId: lastMessageId(body) }]),
      reply('O total fica R$ 499,00, já preparei o orçamento.'),
    );
    await harness.say(from, 'Quanto custam 10 m² de piso?');
    expect(await queries().botReplies(from)).toEqual([QUOTE_PREPARING.pt]);

    const other = newCustomer();
    world.openai.script(
      propose((body) => [{ itemId: tile.id, quantity: 1, sourceMessageId: lastMessageId(body) }]),
      reply('Cada metro sai por 49,90, vou enviar o orçamento.'),
    );
    await harness.say(other, 'Quero 1 m² de piso');
    expect(await queries().botReplies(other)).toEqual([QUOTE_PREPARING.pt]);

    const metric = await harness.metrics.llmPriceGuarded.get();
    expect(metric.values[0]?.value).toBe(2);
    const audits = await world.database.ownerDb
      .selectFrom('auditLog')
      .select(['action', 'detail'])
      .where('tenantId', '=', world.tenantId)
      .where('action', '=', 'agent.reply_price_guarded')
      .execute();
    expect(audits).toHaveLength(2);
    // Ids only, never the reply's text (a random id may well contain the digits "499").
    for (const audit of audits) {
      expect(Object.keys(audit.detail as Record<string, unknown>).sort()).toEqual([
        'conversationId',
        'quoteId',
      ]);
    }
  });

  it('counts every tool round against the budget: a used-up budget ends the turn with the qualifier', async () => {
    await saveSettings(world, {
      providers: [openAiEntry(world)],
      limits: {
        requestsPerMinute: 2,
        requestsPerDay: null,
        tokensPerMinute: null,
        tokensPerDay: null,
        monthlySpendCapMicros: null,
      },
    });
    // A minute of its own: the per-minute window holds only this turn's requests.
    const harness = suite.fresh(() => new Date(Date.UTC(2030, 0, 1, 12, 0, 0)), undefined, true);
    const from = newCustomer();
    world.openai.script(
      search('piso'),
      propose((body) => [{ itemId: tile.id, quantity: 4, sourceMessageId: lastMessageId(body) }]),
      reply('Nunca enviado'),
    );
    await harness.say(from, 'Quero 4 m² de piso');

    expect(world.openai.requests).toHaveLength(2);
    const replies = await queries().botReplies(from);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies).not.toContain('Nunca enviado');
    const budget = await harness.metrics.llmBudgetExhausted.get();
    expect(budget.values.reduce((sum, value) => sum + value.value, 0)).toBe(1);
    const conversation = await queries().conversation(from);
    expect((await quotesOf(conversation.id)).lines).toHaveLength(1);
  });
});
