import { randomUUID } from 'node:crypto';
import { type AttachmentSend, attachmentBody } from '../../conversations/attachments/attachments.service.js';
import { assertMayMessage } from '../../conversations/consent-keywords.js';
import { findConversation } from '../../conversations/conversations.repository.js';
import type { Message } from '../../conversations/messages.table.js';
import { type OutboundBody, queueOutboundMessage } from '../../conversations/send-ledger.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import type { Logger } from '../../platform/logging/logger.js';
import { assertMayContact } from '../../privacy/suppression.js';
import { findChannel } from './channels.repository.js';
import { customerWindowClosesAt, isCustomerWindowOpen, needsCustomerWindow } from './customer-window.js';
import type { InboxWhatsapp } from './inbox-whatsapp.service.js';
import {
  findTemplateDefinition,
  renderedTemplateText,
  type TemplateSend,
  templateSendProblems,
} from './template-message.js';

export interface SendActor {
  userId: string | null;
  apiKeyId: string | null;
  requestId: string;
}

/**
 * Queues a message from an operator (session) or an integration (API key) on the send ledger. With an
 * idempotency key, a repeat returns the first message (created: false) and sends nothing; a key already
 * used for another conversation is a conflict. An image or document message names an upload of the
 * conversation, whose bytes go to the provider when the row is sent. Free text, images and documents need
 * the customer-service window open: outside it the request fails with `outside_customer_window` and
 * nothing is written. An opted-out contact, or an
 * erased and suppressed person who has not written since, is refused (409; `secretKeys` check suppression).
 * A template's parameters are checked against Meta's rules and the template's variables (400), and the
 * message stores the text the customer reads, rendered from the template's definition.
 */
export async function sendConversationMessage(
  db: Db,
  tenantId: string,
  actor: SendActor,
  input: { conversationId: string; body: OutboundBody | AttachmentSend; idempotencyKey: string | undefined },
  deps: { secretKeys: readonly string[]; whatsapp: InboxWhatsapp; logger: Pick<Logger, 'warn'> },
): Promise<{ message: Message; created: boolean }> {
  const { secretKeys } = deps;
  // Callers' keys live in their own namespace so they can never collide with the bot's reply keys.
  const key = input.idempotencyKey === undefined ? `api:${randomUUID()}` : `api:key:${input.idempotencyKey}`;
  const body =
    input.body.type === 'template'
      ? {
          ...input.body,
          text: await templateText(db, tenantId, input.conversationId, input.body.template, deps),
        }
      : input.body;
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, input.conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    const existing = await trx
      .selectFrom('messages')
      .selectAll()
      .where('idempotencyKey', '=', key)
      .executeTakeFirst();
    if (existing) return { message: sameConversation(existing, conversation.id), created: false };
    // An image or document names an upload of this conversation (404 for anyone else's).
    const outbound = 'attachmentId' in body ? await attachmentBody(trx, conversation.id, body) : body;
    // Only WhatsApp has a customer-service window; other channels' rules are the send ledger's.
    if (
      conversation.channelKind === 'whatsapp' &&
      needsCustomerWindow(outbound.type) &&
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
      body: outbound,
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

/**
 * Checks a template send and renders its text. The template's definition is read outside any
 * transaction (it may mean asking Meta); without it (Meta down, a template it does not list) only Meta's
 * rules for the values are checked and the message is shown by the template's name.
 */
async function templateText(
  db: Db,
  tenantId: string,
  conversationId: string,
  send: TemplateSend,
  deps: { whatsapp: InboxWhatsapp; logger: Pick<Logger, 'warn'> },
): Promise<string | null> {
  const channel = await withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    return conversation.channelKind === 'whatsapp' ? findChannel(trx, conversation.channelId) : undefined;
  });
  const definition = channel
    ? await findTemplateDefinition(
        deps.whatsapp.templates,
        {
          id: channel.id,
          phoneNumberId: channel.phoneNumberId,
          accessToken: deps.whatsapp.openAccessToken(channel.accessTokenSealed),
        },
        channel.wabaId,
        send,
        deps.logger,
      )
    : undefined;
  const problems = templateSendProblems(send, definition);
  if (problems.length > 0) {
    throw new AppError(
      'validation_failed',
      `The template's parameters are not what WhatsApp accepts: ${problems.map((p) => p.message).join('; ')}`,
      { details: problems },
    );
  }
  return renderedTemplateText(send, definition);
}
