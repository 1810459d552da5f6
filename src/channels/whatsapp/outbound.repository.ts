import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';

/** Outbound messages with what sending one needs: recipient, window, channel credentials and rate. */
function outboundForSend(trx: TenantTransaction) {
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
    ]);
}

export async function findOutboundForSend(trx: TenantTransaction, messageId: string) {
  return outboundForSend(trx).where('messages.id', '=', messageId).executeTakeFirst();
}

/** Outbound messages still waiting for their send, in the order they were written. */
function unsent(trx: TenantTransaction) {
  return outboundForSend(trx)
    .where('messages.direction', '=', 'outbound')
    .where('messages.status', '=', 'pending')
    .orderBy('messages.createdAt')
    .orderBy('messages.id');
}

/** A conversation's unsent messages. */
export async function findPendingOutbound(trx: TenantTransaction, conversationId: string) {
  return (
    unsent(trx)
      .where('messages.conversationId', '=', conversationId)
      // Stated on the conversation too: its row is then found by primary key whatever the statistics say.
      .where('conversations.id', '=', conversationId)
      .execute()
  );
}

/** The unsent messages of the conversation with a contact number on a channel (a processing job's key). */
export async function findUnsentOfConversation(
  trx: TenantTransaction,
  channelId: string,
  conversationKey: string,
) {
  return unsent(trx)
    .where('messages.channelId', '=', channelId)
    .where('contacts.phoneE164', '=', `+${conversationKey}`)
    .execute();
}

export type OutboundForSend = NonNullable<Awaited<ReturnType<typeof findOutboundForSend>>>;

/**
 * Records Meta's acceptance; only a still-pending row changes, so a late duplicate cannot overwrite it.
 * Tells whether status callbacks for this wamid arrived before it was stored (rare: then they wait to be
 * applied), in the same statement.
 */
export async function markAccepted(
  trx: TenantTransaction,
  messageId: string,
  wamid: string,
): Promise<{ statusesWaiting: boolean } | undefined> {
  const updated = await trx
    .updateTable('messages')
    .set({ providerMessageId: wamid, status: 'accepted', statusAt: sql`now()`, updatedAt: sql`now()` })
    .where('id', '=', messageId)
    .where('providerMessageId', 'is', null)
    .returning((eb) => [
      'conversationId',
      eb
        .exists(
          eb
            .selectFrom('whatsappStatusEvents')
            .select(sql`1`.as('one'))
            .whereRef('whatsappStatusEvents.channelId', '=', 'messages.channelId')
            .where('whatsappStatusEvents.providerMessageId', '=', wamid)
            .where('whatsappStatusEvents.appliedAt', 'is', null),
        )
        .as('statusesWaiting'),
    ])
    .executeTakeFirst();
  if (!updated) return undefined;
  await publishInboxEvent(trx, {
    type: 'message.updated',
    conversationId: updated.conversationId,
    messageId,
  });
  return { statusesWaiting: Boolean(updated.statusesWaiting) };
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
