import { listStages } from '../../contacts/pipeline/pipeline.js';
import { loadInboxConversation } from '../../conversations/conversations.service.js';
import { latestMessagesOf } from '../../conversations/messages.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';

/** How many of the latest messages a summary quotes, and how much of each. */
export const SUMMARY_MESSAGES = 12;
export const SUMMARY_TEXT_CHARS = 400;

export interface ConversationSummary {
  conversationId: string;
  channel: string;
  status: string;
  /** Who answers: the bot, a person, or the bot paused. */
  ownership: string;
  contact: { id: string; name: string | null; company: string | null; stage: string | null };
  assigneeEmail: string | null;
  startedAt: string;
  lastMessageAt: string | null;
  /** Messages in the conversation, by direction. */
  counts: { inbound: number; outbound: number; notes: number };
  /** The conversation's latest quotes; totals in minor units (cents). */
  quotes: { number: string; status: string; totalMinor: string; currency: string }[];
  /** The latest messages, oldest first, each cut to SUMMARY_TEXT_CHARS characters. */
  recent: { direction: string; author: string; sentAt: string; text: string | null }[];
}

const cut = (text: string | null) =>
  text === null || text.length <= SUMMARY_TEXT_CHARS ? text : `${text.slice(0, SUMMARY_TEXT_CHARS - 1)}…`;

/**
 * A compact summary of a conversation built from what is stored (no LLM call): who, where, counts, open
 * quotes and the latest messages. Read in the workspace's transaction, so sealed message bodies are opened
 * by the field codec like every other read, and another workspace's conversation is not found (404).
 */
export async function conversationSummary(
  db: Db,
  tenantId: string,
  conversationId: string,
): Promise<ConversationSummary> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await loadInboxConversation(trx, null, conversationId);
    const counts = await trx
      .selectFrom('messages')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('direction', '=', 'inbound').as('inbound'),
        eb.fn.countAll<string>().filterWhere('direction', '=', 'outbound').as('outbound'),
      ])
      .where('conversationId', '=', conversationId)
      .executeTakeFirstOrThrow();
    const notes = await trx
      .selectFrom('conversationNotes')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('conversationId', '=', conversationId)
      .executeTakeFirstOrThrow();
    const contact = await trx
      .selectFrom('contacts as c')
      .leftJoin('pipelineStages as s', 's.id', 'c.stageId')
      .select(['c.id', 's.name as stage'])
      .where('c.id', '=', conversation.contactId)
      .executeTakeFirstOrThrow();
    const quotes = await trx
      .selectFrom('quotes as q')
      .innerJoin('quoteVersions as v', (join) =>
        join.onRef('v.quoteId', '=', 'q.id').onRef('v.version', '=', 'q.currentVersion'),
      )
      .select(['q.number', 'v.status', 'v.totalMinor', 'v.currency'])
      .where('q.conversationId', '=', conversationId)
      .orderBy('q.createdAt', 'desc')
      .limit(5)
      .execute();
    const recent = (await latestMessagesOf(trx, [conversationId], SUMMARY_MESSAGES)).reverse();
    const name =
      [conversation.contactFirstName, conversation.contactLastName].filter(Boolean).join(' ') ||
      conversation.contactDisplayName;
    return {
      conversationId,
      channel: conversation.channelKind,
      status: conversation.status,
      ownership: conversation.ownership,
      contact: {
        id: contact.id,
        name: name || null,
        company: conversation.contactCompany,
        // A contact without a stage is in the workspace's first one.
        stage: contact.stage ?? (await listStages(trx))[0]?.name ?? null,
      },
      assigneeEmail: conversation.assigneeEmail,
      startedAt: conversation.createdAt.toISOString(),
      lastMessageAt: conversation.lastMessageAt?.toISOString() ?? null,
      counts: { inbound: Number(counts.inbound), outbound: Number(counts.outbound), notes: Number(notes.n) },
      quotes: quotes.map((quote) => ({
        number: quote.number,
        status: quote.status,
        totalMinor: quote.totalMinor,
        currency: quote.currency,
      })),
      recent: recent.map((message) => ({
        direction: message.direction,
        author: message.author,
        sentAt: message.sentAt.toISOString(),
        text: cut(message.text),
      })),
    };
  });
}
