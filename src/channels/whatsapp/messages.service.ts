import { randomUUID } from 'node:crypto';
import { assertMayMessage } from '../../conversations/consent-keywords.js';
import { findConversation } from '../../conversations/conversations.repository.js';
import type { Message } from '../../conversations/messages.table.js';
import { type OutboundBody, queueOutboundMessage } from '../../conversations/send-ledger.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { assertMayContact } from '../../privacy/suppression.js';
import { customerWindowClosesAt, isCustomerWindowOpen, needsCustomerWindow } from './customer-window.js';

export interface SendActor {
  userId: string | null;
  apiKeyId: string | null;
  requestId: string;
}

/**
 * Queues a message from an operator (session) or an integration (API key) on the send ledger. With an
 * idempotency key, a repeat returns the first message (created: false) and sends nothing; a key already
 * used for another conversation is a conflict. Free text needs the customer-service window open: outside
 * it the request fails with `outside_customer_window` and nothing is written. An opted-out contact, or an
 * erased and suppressed person who has not written since, is refused (409; `secretKeys` check suppression).
 */
export async function sendConversationMessage(
  db: Db,
  tenantId: string,
  actor: SendActor,
  input: { conversationId: string; body: OutboundBody; idempotencyKey: string | undefined },
  secretKeys: readonly string[],
): Promise<{ message: Message; created: boolean }> {
  // Callers' keys live in their own namespace so they can never collide with the bot's reply keys.
  const key = input.idempotencyKey === undefined ? `api:${randomUUID()}` : `api:key:${input.idempotencyKey}`;
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, input.conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    const existing = await trx
      .selectFrom('messages')
      .selectAll()
      .where('idempotencyKey', '=', key)
      .executeTakeFirst();
    if (existing) return { message: sameConversation(existing, conversation.id), created: false };
    // Only WhatsApp has a customer-service window; other channels' rules are the send ledger's.
    if (
      conversation.channelKind === 'whatsapp' &&
      needsCustomerWindow(input.body.type) &&
      !isCustomerWindowOpen(conversation.lastInboundAt)
    ) {
      const closedAt = customerWindowClosesAt(conversation.lastInboundAt);
      throw new AppError(
        'outside_customer_window',
        closedAt
          ? `The 24-hour customer service window closed at ${closedAt.toISOString()}; send a template instead`
          : 'The customer has not written yet, so there is no customer service window; send a template instead',
      );
    }
    await assertMayMessage(trx, conversation);
    await assertMayContact(trx, secretKeys, conversation.contactId);
    const result = await queueOutboundMessage(trx, {
      conversationId: conversation.id,
      author: actor.userId ? 'operator' : 'system',
      authorUserId: actor.userId,
      body: input.body,
      idempotencyKey: key,
      requestId: actor.requestId,
    });
    return { message: sameConversation(result.message, conversation.id), created: result.created };
  });
}

function sameConversation(message: Message, conversationId: string): Message {
  if (message.conversationId !== conversationId) {
    throw new AppError('conflict', 'This Idempotency-Key was already used for another conversation');
  }
  return message;
}
