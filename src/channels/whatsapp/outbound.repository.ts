import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';

/** An outbound message with what sending it needs: recipient, window, channel credentials and rate. */
export async function findOutboundForSend(trx: TenantTransaction, messageId: string) {
  return trx
    .selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversationId')
    .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
    .innerJoin('whatsappChannels', 'whatsappChannels.id', 'messages.channelId')
    .select([
      'messages.id',
      'messages.direction',
      'messages.type',
      'messages.text',
      'messages.content',
      'messages.status',
      'messages.providerMessageId',
      'messages.channelId',
      'conversations.lastInboundAt',
      'contacts.phoneE164',
      'contacts.waId',
      'whatsappChannels.phoneNumberId',
      'whatsappChannels.accessTokenSealed',
      'whatsappChannels.messagesPerSecond',
      'whatsappChannels.disabledAt',
    ])
    .where('messages.id', '=', messageId)
    .executeTakeFirst();
}

export type OutboundForSend = NonNullable<Awaited<ReturnType<typeof findOutboundForSend>>>;

/** Records Meta's acceptance; only a still-pending row changes, so a late duplicate cannot overwrite it. */
export async function markAccepted(
  trx: TenantTransaction,
  messageId: string,
  wamid: string,
): Promise<boolean> {
  const updated = await trx
    .updateTable('messages')
    .set({ providerMessageId: wamid, status: 'accepted', statusAt: sql`now()`, updatedAt: sql`now()` })
    .where('id', '=', messageId)
    .where('providerMessageId', 'is', null)
    .returning('conversationId')
    .executeTakeFirst();
  if (!updated) return false;
  await publishInboxEvent(trx, {
    type: 'message.updated',
    conversationId: updated.conversationId,
    messageId,
  });
  return true;
}

export async function markSendFailed(
  trx: TenantTransaction,
  messageId: string,
  error: { code: number | null; title: string },
): Promise<void> {
  const updated = await trx
    .updateTable('messages')
    .set({
      status: 'failed',
      statusAt: sql`now()`,
      errorCode: error.code,
      errorTitle: error.title.slice(0, 500),
      updatedAt: sql`now()`,
    })
    .where('id', '=', messageId)
    .where('status', '=', 'pending')
    .returning('conversationId')
    .executeTakeFirst();
  if (updated) {
    await publishInboxEvent(trx, {
      type: 'message.updated',
      conversationId: updated.conversationId,
      messageId,
    });
  }
}
