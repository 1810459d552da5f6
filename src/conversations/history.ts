import type { HistoryEntry } from '../agent/agent.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/** Rough token count (about four characters a token in the languages we serve), plus a turn's overhead. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

const MAX_ROWS = 100;

/**
 * The conversation's texts before `exceptMessageId`, newest kept first within `tokenBudget`, returned
 * oldest first. System notices and media without a caption carry nothing an agent can read.
 */
export async function recentHistory(
  trx: TenantTransaction,
  conversationId: string,
  exceptMessageId: string,
  tokenBudget: number,
): Promise<HistoryEntry[]> {
  const rows = await trx
    .selectFrom('messages')
    .select(['id', 'author', 'text'])
    .where('conversationId', '=', conversationId)
    .where('id', '!=', exceptMessageId)
    .where('text', 'is not', null)
    .where('author', 'in', ['customer', 'bot', 'operator'])
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(MAX_ROWS)
    .execute();
  const kept: HistoryEntry[] = [];
  let used = 0;
  for (const row of rows) {
    const text = row.text ?? '';
    used += estimateTokens(text);
    if (used > tokenBudget) break;
    kept.push({ author: row.author as HistoryEntry['author'], text, id: row.id });
  }
  return kept.reverse();
}
