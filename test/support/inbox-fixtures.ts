import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import type { ContactsTable } from '../../src/contacts/contacts.table.js';
import {
  recordInboundActivity,
  upsertConversation,
} from '../../src/conversations/conversations.repository.js';
import type { Db } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
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
      const inserted = await trx
        .insertInto('messages')
        .values({
          conversationId: conversation.id,
          channelId,
          direction: message.direction,
          author: inbound ? 'customer' : 'operator',
          authorUserId: null,
          providerMessageId: `wamid.test.${randomBytes(8).toString('hex')}`,
          type: message.type ?? 'text',
          text: message.text,
          content: '{}',
          sentAt: message.sentAt,
          status: inbound ? null : 'sent',
          statusAt: null,
          errorCode: null,
          errorTitle: null,
          idempotencyKey: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      messageIds.push(inserted.id);
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
