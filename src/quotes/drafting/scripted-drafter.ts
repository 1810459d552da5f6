import type { Actor } from '../../api-keys/api-keys.service.js';
import { findConversation } from '../../conversations/conversations.repository.js';
import { listMessages } from '../../conversations/messages.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { searchCatalogItems } from '../catalog/catalog.repository.js';
import { parseQuantity } from '../quantity.js';
import type { LineInput } from '../quote-lines.js';
import { createQuote, type QuoteDetail } from '../quotes.service.js';
import { parseRequest } from './request-parser.js';

/** How far back the drafter reads: the customer's latest messages with text. */
const MESSAGES_READ = 10;

/**
 * The drafter that needs no AI key: reads the customer's latest messages, takes each "quantity + words"
 * it finds, and keeps the catalog's best active match for the words (accent- and typo-tolerant search).
 * Prices come from the catalog only; each line records the message it came from. Whatever it cannot
 * match is left to the operator, who edits the draft before it goes to approval.
 */
export async function draftFromConversation(
  db: Db,
  tenantId: string,
  actor: Actor,
  conversationId: string,
): Promise<QuoteDetail> {
  const lines = await withTenant(db, tenantId, async (trx) => {
    if (!(await findConversation(trx, conversationId)))
      throw new AppError('not_found', 'Conversation not found');
    const recent = await listMessages(trx, conversationId, { limit: 40, order: 'desc' });
    const asked = recent
      .filter((message) => message.direction === 'inbound' && message.text)
      .slice(0, MESSAGES_READ)
      .reverse();
    const found: LineInput[] = [];
    for (const message of asked) {
      for (const item of parseRequest(message.text ?? '')) {
        if (parseQuantity(item.quantity) === undefined) continue;
        const [best] = await searchCatalogItems(trx, item.words, 1);
        if (!best || found.some((line) => line.catalogItemId === best.id)) continue;
        found.push({ catalogItemId: best.id, quantity: item.quantity, sourceMessageId: message.id });
      }
    }
    return found;
  });
  if (lines.length === 0) {
    throw new AppError(
      'validation_failed',
      "No catalog item matched the customer's messages; draft the quote by hand",
    );
  }
  return createQuote(db, tenantId, actor, { conversationId, lines });
}
