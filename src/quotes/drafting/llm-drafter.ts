import type { Actor } from '../../api-keys/api-keys.service.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { searchCatalogItems } from '../catalog/catalog.repository.js';
import { createQuote } from '../quotes.service.js';

/** What the model is shown of a catalog item: enough to choose it, never a price. */
export interface CatalogMatch {
  itemId: string;
  sku: string;
  name: string;
  unit: string;
}

export interface ProposedLine {
  itemId: string;
  quantity: number;
  sourceMessageId: string;
}

export type Proposal =
  | { ok: true; quoteId: string; number: string; lineCount: number; pricesMinor: bigint[] }
  /** Refused as a whole (no line is kept); `reason` is read by the model, so it names ids, never prices. */
  | { ok: false; reason: string };

/** The port the LLM agent drafts through; the agent never imports the quotes domain. */
export interface QuoteDrafting {
  searchCatalog(tenantId: string, query: string): Promise<CatalogMatch[]>;
  proposeQuote(tenantId: string, conversationId: string, lines: readonly ProposedLine[]): Promise<Proposal>;
}

const SEARCH_LIMIT = 8;

/** Drafts by the agent have no person or API key behind them; the audit shows them as the agent's. */
function agentActor(conversationId: string): Actor {
  return {
    userId: null,
    apiKeyId: null,
    context: { requestId: `agent:${conversationId}`, ip: '', userAgent: 'leadline-llm-agent' },
  };
}

/**
 * The catalog tools of the LLM agent (issue 14). Search is the accent- and typo-tolerant catalog search,
 * active items only. A proposal is checked as a whole before anything is written: every item must be
 * active in this workspace's catalog, every source message an inbound message of this conversation, and
 * no earlier quote may already cover the same messages (a redone turn drafts nothing twice). Prices come
 * from the catalog through the ordinary `createQuote`, so the draft is audited, published live and goes
 * through approval like any other.
 */
export function createQuoteDrafting(db: Db): QuoteDrafting {
  return {
    async searchCatalog(tenantId, query) {
      const items = await withTenant(db, tenantId, (trx) => searchCatalogItems(trx, query, SEARCH_LIMIT));
      return items.map((item) => ({ itemId: item.id, sku: item.sku, name: item.name, unit: item.unit }));
    },

    async proposeQuote(tenantId, conversationId, lines) {
      const refusal = await withTenant(db, tenantId, async (trx) => {
        const itemIds = [...new Set(lines.map((line) => line.itemId))];
        const items = await trx
          .selectFrom('catalogItems')
          .select('id')
          .where('id', 'in', itemIds)
          .where('active', '=', true)
          .execute();
        const unknown = itemIds.filter((id) => !items.some((item) => item.id === id));
        if (unknown.length > 0) {
          return `unknown or inactive catalog item id(s): ${unknown.join(', ')}; use ids returned by search_catalog`;
        }
        const messageIds = [...new Set(lines.map((line) => line.sourceMessageId))];
        const messages = await trx
          .selectFrom('messages')
          .select('id')
          .where('id', 'in', messageIds)
          .where('conversationId', '=', conversationId)
          .where('direction', '=', 'inbound')
          .execute();
        const foreign = messageIds.filter((id) => !messages.some((message) => message.id === id));
        if (foreign.length > 0) {
          return `sourceMessageId(s) not a customer message of this conversation: ${foreign.join(', ')}`;
        }
        const covered = await trx
          .selectFrom('quoteLines')
          .innerJoin('quoteVersions', 'quoteVersions.id', 'quoteLines.quoteVersionId')
          .innerJoin('quotes', 'quotes.id', 'quoteVersions.quoteId')
          .select('quotes.number')
          .where('quotes.conversationId', '=', conversationId)
          .where('quoteLines.sourceMessageId', 'in', messageIds)
          .executeTakeFirst();
        if (covered) return `quote ${covered.number} already covers these messages; do not propose it again`;
        return undefined;
      });
      if (refusal) return { ok: false, reason: refusal };
      try {
        const quote = await createQuote(db, tenantId, agentActor(conversationId), {
          conversationId,
          lines: lines.map((line) => ({
            catalogItemId: line.itemId,
            quantity: String(line.quantity),
            sourceMessageId: line.sourceMessageId,
          })),
        });
        return {
          ok: true,
          quoteId: quote.quote.id,
          number: quote.quote.number,
          lineCount: quote.lines.length,
          pricesMinor: quote.lines.map((line) => BigInt(line.unitPriceMinor)),
        };
      } catch (error) {
        // An item retired between the check and the insert, a quantity the lines refuse: the model is told.
        if (error instanceof AppError) return { ok: false, reason: error.message };
        throw error;
      }
    },
  };
}
