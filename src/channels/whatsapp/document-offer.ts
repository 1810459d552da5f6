import { queueOutboundMessage } from '../../conversations/send-ledger.js';
import { AppError } from '../../platform/http/app-error.js';
import type { DocumentOfferSender } from '../../quotes/ports.js';
import { isCustomerWindowOpen } from './customer-window.js';

/** Meta's limits: a document caption and an interactive body hold at most 1024 characters. */
const CAPTION_MAX = 1024;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A document with reply buttons on WhatsApp: inside the customer's 24-hour window, a `document` message
 * (uploaded when sent) followed by an interactive reply-button message; outside it, the workspace's
 * approved template with the document as its DOCUMENT header, the link as body variable and the buttons'
 * ids as quick-reply payloads. All through the send ledger: exactly once, in order, in-doubt rules.
 */
export const whatsappDocumentOffers: DocumentOfferSender = {
  async send(trx, offer) {
    const conversation = await trx
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .select(['conversations.channelId', 'conversations.lastInboundAt', 'contacts.phoneE164'])
      .where('conversations.id', '=', offer.conversationId)
      .executeTakeFirst();
    if (!conversation) throw new AppError('not_found', 'The conversation of this quote no longer exists');
    const common = {
      conversationId: offer.conversationId,
      recipient: {
        channelId: conversation.channelId,
        channelKind: 'whatsapp' as const,
        phoneE164: conversation.phoneE164,
      },
      author: 'operator' as const,
      authorUserId: offer.authorUserId,
      requestId: offer.requestId,
    };
    if (isCustomerWindowOpen(conversation.lastInboundAt)) {
      await queueOutboundMessage(trx, {
        ...common,
        body: { type: 'document', document: offer.document, caption: clip(offer.caption, CAPTION_MAX) },
        idempotencyKey: `offer:${offer.key}:document`,
      });
      await queueOutboundMessage(trx, {
        ...common,
        body: { type: 'interactive', text: clip(offer.prompt, CAPTION_MAX), buttons: offer.buttons },
        idempotencyKey: `offer:${offer.key}:buttons`,
      });
      return { via: 'session' };
    }
    if (!offer.template) {
      throw new AppError(
        'conflict',
        'The customer last wrote more than 24 hours ago, so WhatsApp accepts only an approved template: set the quote template (name and language) in the quote settings, or wait for the customer to write',
      );
    }
    const { name, language, bodyParameters } = offer.template;
    await queueOutboundMessage(trx, {
      ...common,
      body: {
        type: 'template',
        template: {
          name,
          language,
          components: [
            ...(bodyParameters.length > 0
              ? [{ type: 'body', parameters: bodyParameters.map((text) => ({ type: 'text', text })) }]
              : []),
            ...offer.buttons.map((button, index) => ({
              type: 'button',
              sub_type: 'quick_reply',
              index: String(index),
              parameters: [{ type: 'payload', payload: button.id }],
            })),
          ],
        },
        document: offer.document,
      },
      idempotencyKey: `offer:${offer.key}:template`,
    });
    return { via: 'template' };
  },
};
