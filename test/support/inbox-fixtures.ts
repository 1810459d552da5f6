import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import type { ContactsTable } from '../../src/contacts/contacts.table.js';
import {
  recordInboundActivity,
  upsertConversation,
} from '../../src/conversations/conversations.repository.js';
import type { MessageMediaTable } from '../../src/conversations/messages.table.js';
import type { Db } from '../../src/platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { INBOX_EVENTS_CHANNEL, type InboxNotification } from '../../src/realtime/inbox-events.js';

export interface SeededMessage {
  direction: 'inbound' | 'outbound';
  text: string | null;
  type?: string;
  sentAt: Date;
}

type ContactFields = Partial<
  Pick<ContactsTable, 'displayName' | 'firstName' | 'lastName' | 'company' | 'email'>
> & { phoneE164: string };

/** A contact, its conversation on `channelId` and its messages, written as the pipeline would. */
export async function seedConversation(
  db: Db,
  tenantId: string,
  channelId: string,
  contact: ContactFields,
  messages: SeededMessage[] = [],
): Promise<{ conversationId: string; contactId: string; messageIds: string[] }> {
  return withTenant(db, tenantId, async (trx) => {
    const { phoneE164, displayName, ...profile } = contact;
    const row = await upsertContact(trx, { phoneE164, displayName: displayName ?? null });
    if (Object.keys(profile).length > 0) {
      await trx.updateTable('contacts').set(profile).where('id', '=', row.id).execute();
    }
    const conversation = await upsertConversation(trx, { channelId, contactId: row.id });
    const messageIds: string[] = [];
    for (const message of messages) {
      const inbound = message.direction === 'inbound';
      const inserted = await insertTestMessage(trx, {
        conversationId: conversation.id,
        channelId,
        direction: message.direction,
        type: message.type ?? 'text',
        text: message.text,
        sentAt: message.sentAt,
      });
      messageIds.push(inserted);
      if (inbound) await recordInboundActivity(trx, conversation.id, message.sentAt);
      else {
        await trx
          .updateTable('conversations')
          .set({ lastMessageAt: message.sentAt })
          .where('id', '=', conversation.id)
          .execute();
      }
    }
    return { conversationId: conversation.id, contactId: row.id, messageIds };
  });
}

/** One message row as the pipeline stores it (inbound from the customer, or an operator's sent reply). */
export async function insertTestMessage(
  trx: TenantTransaction,
  input: {
    conversationId: string;
    channelId: string;
    direction?: 'inbound' | 'outbound';
    type?: string;
    text?: string | null;
    content?: Record<string, unknown>;
    sentAt?: Date;
  },
): Promise<string> {
  const inbound = (input.direction ?? 'inbound') === 'inbound';
  const row = await trx
    .insertInto('messages')
    .values({
      conversationId: input.conversationId,
      channelId: input.channelId,
      direction: inbound ? 'inbound' : 'outbound',
      author: inbound ? 'customer' : 'operator',
      authorUserId: null,
      providerMessageId: `wamid.test.${randomBytes(10).toString('base64url')}`,
      type: input.type ?? 'text',
      text: input.text ?? null,
      content: JSON.stringify(input.content ?? {}),
      sentAt: input.sentAt ?? new Date(),
      status: inbound ? null : 'sent',
      statusAt: null,
      errorCode: null,
      errorTitle: null,
      idempotencyKey: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

type MediaRow = Omit<MessageMediaTable, 'messageId' | 'tenantId' | 'createdAt' | 'updatedAt' | 'state'> & {
  state?: 'pending' | 'stored' | 'failed';
};

/** An inbound media message and its `message_media` row (pending, or as the download task leaves it). */
export async function insertMediaMessage(
  trx: TenantTransaction,
  input: { conversationId: string; channelId: string; type: string; content?: Record<string, unknown> },
  media: MediaRow,
): Promise<string> {
  const messageId = await insertTestMessage(trx, { ...input, direction: 'inbound' });
  await trx
    .insertInto('messageMedia')
    .values({ messageId, ...media })
    .execute();
  return messageId;
}

/** LISTENs on the inbox channel with its own connection, collecting every notification. */
export async function listenToInbox(url: string): Promise<{
  received: InboxNotification[];
  waitFor(
    match: (notification: InboxNotification) => boolean,
    timeoutMs?: number,
  ): Promise<InboxNotification>;
  close(): Promise<void>;
}> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const received: InboxNotification[] = [];
  const waiters: Array<() => void> = [];
  client.on('notification', (message) => {
    if (message.channel !== INBOX_EVENTS_CHANNEL || !message.payload) return;
    received.push(JSON.parse(message.payload) as InboxNotification);
    for (const wake of waiters.splice(0)) wake();
  });
  await client.query(`listen ${INBOX_EVENTS_CHANNEL}`);
  return {
    received,
    async waitFor(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no matching inbox event arrived');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => client.end(),
  };
}
