import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import {
  type ConversationSummary,
  findConversation,
  findConversationSummary,
  listConversations,
} from './conversations.repository.js';
import type { Ownership } from './conversations.table.js';
import { listMessages } from './messages.repository.js';
import type { Message } from './messages.table.js';
import { resumeIfPauseOver } from './ownership.service.js';

export interface PageCursor {
  at: Date;
  id: string;
}

export interface ConversationPage<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  next: PageCursor | null;
}

/**
 * A page of conversations. Pauses that have ended are ended now (recorded as the system's doing), so a
 * reader never sees a conversation as paused when the bot is in fact answering again.
 */
export async function listConversationPage(
  db: Db,
  tenantId: string,
  options: { limit: number; after?: PageCursor | undefined; ownership?: Ownership | undefined },
): Promise<ConversationPage<ConversationSummary>> {
  return withTenant(db, tenantId, async (trx) => {
    const rows = await listConversations(trx, {
      limit: options.limit + 1,
      after: options.after ? { activityAt: options.after.at, id: options.after.id } : undefined,
      ownership: options.ownership,
    });
    const items = rows.slice(0, options.limit);
    const now = new Date();
    for (const [index, row] of items.entries()) {
      if (row.ownership !== 'paused' || !row.pausedUntil || row.pausedUntil > now) continue;
      const locked = await findConversation(trx, row.id, { forUpdate: true });
      if (!locked) continue;
      const resumed = await resumeIfPauseOver(trx, locked, now);
      items[index] = { ...row, ownership: resumed.ownership, pausedUntil: resumed.pausedUntil };
    }
    const last = items.at(-1);
    return { items, next: rows.length > options.limit && last ? { at: last.activityAt, id: last.id } : null };
  });
}

/** One conversation (404 for another tenant's: row-level security hides it), its ended pause applied. */
export async function getConversation(db: Db, tenantId: string, id: string): Promise<ConversationSummary> {
  return withTenant(db, tenantId, async (trx) => {
    const locked = await findConversation(trx, id, { forUpdate: true });
    if (!locked) throw new AppError('not_found', 'Conversation not found');
    await resumeIfPauseOver(trx, locked);
    const summary = await findConversationSummary(trx, id);
    if (!summary) throw new AppError('not_found', 'Conversation not found');
    return summary;
  });
}

export async function listMessagePage(
  db: Db,
  tenantId: string,
  conversationId: string,
  options: { limit: number; after?: PageCursor | undefined },
): Promise<ConversationPage<Message>> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    const rows = await listMessages(trx, conversationId, {
      limit: options.limit + 1,
      after: options.after ? { sentAt: options.after.at, id: options.after.id } : undefined,
    });
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return { items, next: rows.length > options.limit && last ? { at: last.sentAt, id: last.id } : null };
  });
}
