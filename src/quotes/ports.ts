import type { OutboundAttachment, ReplyButton } from '../conversations/send-ledger.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/**
 * What the quotes domain needs from a messaging channel, defined here so that it never imports one (as
 * src/widgets/ports.ts does for telephony): the composition root (app.ts) wires WhatsApp's implementation
 * (src/channels/whatsapp/document-offer.ts). See docs/decisions/0028-quotes-on-whatsapp.md.
 */
export interface DocumentOffer {
  conversationId: string;
  /** Unique per offer (the version id): the messages' idempotency keys derive from it. */
  key: string;
  document: OutboundAttachment;
  /** Shown with the document; carries the public link. */
  caption: string;
  /** The text above the reply buttons. */
  prompt: string;
  buttons: readonly ReplyButton[];
  /**
   * The approved template (DOCUMENT header, body variables `bodyParameters`, quick-reply buttons whose
   * payloads are the buttons' ids) for when the customer's reply window is closed; null: none is set.
   */
  template: { name: string; language: string; bodyParameters: readonly string[] } | null;
  authorUserId: string | null;
  requestId: string;
}

export interface DocumentOfferSender {
  /**
   * Queues the offer's messages in the caller's transaction (sent if and only if it commits), in order:
   * the document, then the buttons; or the template when the channel's reply window is closed. Throws a
   * 409 AppError when the window is closed and no template is set.
   */
  send(trx: TenantTransaction, offer: DocumentOffer): Promise<{ via: 'session' | 'template' }>;
}

/** The customer's answer through a reply button, as the conversation's inbound processing reads it. */
export interface ButtonReply {
  tenantId: string;
  conversationId: string;
  /** The stored inbound message (its id, and the wamid as evidence). */
  messageId: string;
  providerMessageId: string;
  buttonId: string;
  requestId: string;
}
