import { conversationKeyOf } from './inbound-pipeline.js';
import { openedRows } from './sealed.js';
import type { TestDatabase } from './test-database.js';

/** What a test reads back about one customer's conversation (as the database owner, past RLS). */
export function conversationQueries(database: TestDatabase) {
  const db = database.ownerDb;
  const phone = (from: string) => `+${conversationKeyOf(from)}`;
  return {
    async botReplies(from: string): Promise<string[]> {
      const rows = await db
        .selectFrom('messages')
        .innerJoin('conversations', 'conversations.id', 'messages.conversationId')
        .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
        .select(['messages.text', 'messages.tenantId'])
        .where('contacts.phoneE164', '=', phone(from))
        .where('messages.author', '=', 'bot')
        .orderBy('messages.createdAt')
        .orderBy('messages.idempotencyKey')
        .execute();
      return (await openedRows(db, rows)).map((row) => row.text ?? '');
    },
    async conversation(from: string) {
      return db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
        .select([
          'conversations.id',
          'conversations.ownership',
          'conversations.language',
          'contacts.firstName',
          'contacts.email',
        ])
        .where('contacts.phoneE164', '=', phone(from))
        .executeTakeFirstOrThrow();
    },
    async ownershipEvents(from: string) {
      return db
        .selectFrom('conversationOwnershipEvents')
        .innerJoin('conversations', 'conversations.id', 'conversationOwnershipEvents.conversationId')
        .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
        .select(['conversationOwnershipEvents.actorType', 'conversationOwnershipEvents.reason'])
        .where('contacts.phoneE164', '=', phone(from))
        .orderBy('conversationOwnershipEvents.id')
        .execute();
    },
    async calls(from: string) {
      return db
        .selectFrom('llmCalls')
        .innerJoin('conversations', 'conversations.id', 'llmCalls.conversationId')
        .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
        .select([
          'llmCalls.providerKind',
          'llmCalls.model',
          'llmCalls.outcome',
          'llmCalls.fallback',
          'llmCalls.inputTokens',
          'llmCalls.outputTokens',
          'llmCalls.costMicros',
        ])
        .where('contacts.phoneE164', '=', phone(from))
        .orderBy('llmCalls.id')
        .execute();
    },
  };
}
