import { z } from 'zod';
import type { Language } from '../../conversations/conversations.table.js';
import type { Proposal, QuoteDrafting } from '../../quotes/drafting/llm-drafter.js';
import { mentionsMoney, parseAmount } from './guardrails.js';
import type { ToolCall, ToolDefinition } from './providers/provider.js';

/**
 * The LLM agent's drafting tools (issue 14, ADR 0028): the model finds catalog items and proposes ids,
 * quantities and the customer message each came from; it never sees or writes a price. Arguments are
 * validated strictly: an unknown field (a `price`, a `total`) refuses the call, and the refusal is what
 * the model reads as the tool's result.
 */
export const SEARCH_CATALOG = 'search_catalog';
export const PROPOSE_QUOTE = 'propose_quote';

const ZSearchArgs = z.strictObject({ query: z.string().trim().min(2).max(200) });
const ZProposeArgs = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        itemId: z.uuid(),
        quantity: z.number().int().min(1).max(1_000_000),
        sourceMessageId: z.uuid(),
      }),
    )
    .min(1)
    .max(50),
});

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7' });
  return rest;
}

export const QUOTE_TOOLS: readonly ToolDefinition[] = [
  {
    name: SEARCH_CATALOG,
    description:
      "Searches the business's catalog (accent- and typo-tolerant). Returns item ids, SKUs, names and units; never prices.",
    parameters: jsonSchemaOf(ZSearchArgs),
  },
  {
    name: PROPOSE_QUOTE,
    description:
      'Creates a draft quote for a person to approve. Each line: an itemId returned by search_catalog, a whole quantity, and the id of the customer message ([message <id>]) that asked for it. No prices: the business sets them.',
    parameters: jsonSchemaOf(ZProposeArgs),
  },
];

/** Added to the system prompt when the tools are offered. */
export const QUOTE_TOOL_INSTRUCTIONS = [
  'When the customer asks for products or services, use search_catalog to find them and propose_quote to draft a quote with the item ids and quantities asked for.',
  'Never state a price, total or discount yourself: tell the customer a quote is being prepared and a person will send it.',
].join('\n');

/** What the customer reads instead of a reply that stated a price while a quote was being drafted. */
export const QUOTE_PREPARING: Record<Language, string> = {
  en: 'Thank you! A quote is being prepared; a colleague will send it to you shortly.',
  it: 'Grazie! Stiamo preparando un preventivo; un collega te lo invierà a breve.',
  pt: 'Obrigado! Um orçamento está sendo preparado; um colega vai enviá-lo em breve.',
  es: '¡Gracias! Estamos preparando un presupuesto; un compañero te lo enviará en breve.',
};

export interface ToolOutcome {
  results: { callId: string; content: string; error: boolean }[];
  proposal: Proposal | undefined;
}

function refusal(error: z.ZodError): string {
  const extra = error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : []));
  if (extra.length > 0) {
    return `refused: unknown field(s) ${extra.join(', ')}; prices come from the catalog, send only itemId, quantity and sourceMessageId`;
  }
  return `refused: ${z.prettifyError(error).replace(/\s+/g, ' ').slice(0, 400)}`;
}

function argumentsOf(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments);
  } catch {
    return undefined;
  }
}

/** Runs one round of the model's calls. One draft per turn: a second proposal is refused. */
export async function runQuoteTools(
  drafting: QuoteDrafting,
  context: { tenantId: string; conversationId: string; proposed: boolean },
  calls: readonly ToolCall[],
): Promise<ToolOutcome> {
  const results: ToolOutcome['results'] = [];
  let proposal: Proposal | undefined;
  for (const call of calls) {
    const answer = (content: unknown, error = false) =>
      results.push({
        callId: call.id,
        content: typeof content === 'string' ? content : JSON.stringify(content),
        error,
      });
    const args = argumentsOf(call);
    if (call.name === SEARCH_CATALOG) {
      const parsed = ZSearchArgs.safeParse(args);
      if (!parsed.success) answer(refusal(parsed.error), true);
      else answer({ items: await drafting.searchCatalog(context.tenantId, parsed.data.query) });
    } else if (call.name === PROPOSE_QUOTE) {
      const parsed = ZProposeArgs.safeParse(args);
      if (!parsed.success) answer(refusal(parsed.error), true);
      else if (context.proposed || proposal?.ok)
        answer('refused: a draft was already created in this turn', true);
      else {
        proposal = await drafting.proposeQuote(context.tenantId, context.conversationId, parsed.data.lines);
        if (proposal.ok) {
          answer({ created: true, quoteNumber: proposal.number, lines: proposal.lineCount });
        } else answer(`refused: ${proposal.reason}`, true);
      }
    } else answer(`refused: no tool named ${call.name.slice(0, 60)}`, true);
  }
  return { results, proposal };
}

/**
 * Whether a reply states a price: any amount with a currency, or a number equal to one of the drafted
 * lines' catalog prices (read with two minor digits, the common case; a false alarm only costs the
 * neutral line).
 */
export function statesPrice(reply: string, pricesMinor: readonly bigint[]): boolean {
  if (mentionsMoney(reply)) return true;
  const prices = pricesMinor.map((minor) => Number(minor) / 100);
  for (const match of reply.matchAll(/\d+(?:[.,]\d+)*/gu)) {
    const value = parseAmount(match[0]);
    if (value !== undefined && prices.some((price) => Math.abs(price - value) < 0.005)) return true;
  }
  return false;
}
