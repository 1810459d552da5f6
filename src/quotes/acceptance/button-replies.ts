import { findConversation } from '../../conversations/conversations.repository.js';
import { changeOwnership } from '../../conversations/ownership.service.js';
import { queueOutboundMessage } from '../../conversations/send-ledger.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { ButtonReply } from '../ports.js';
import { offerTexts, parseQuoteButtonId } from '../quote-offer.js';
import { findQuote, findVersionById } from '../quotes.repository.js';
import { expireIfDue, OPEN, recordDecision } from './acceptance.service.js';

export const QUESTION_REASON = 'customer has a question about a quote';

export type ButtonOutcome = 'accepted' | 'refused' | 'handed_over';

/**
 * A customer's tap on a quote's reply button, in the transaction that stores their message. "Accept"
 * accepts exactly the version the button was sent with: an expired, superseded or already decided one is
 * refused with a reply that says why, and nothing changes. The evidence is the button reply's wamid, its
 * time, and the SHA-256 of the PDF stored when that version was sent. "I have a question" hands the
 * conversation to a person. Buttons of another conversation's quote, or ids that are not a quote's, are
 * not ours: undefined, and the message is handled like any other.
 */
export async function answerQuoteButton(
  trx: TenantTransaction,
  reply: ButtonReply,
): Promise<ButtonOutcome | undefined> {
  const parsed = parseQuoteButtonId(reply.buttonId);
  if (!parsed) return undefined;
  const found = await findVersionById(trx, parsed.versionId);
  if (!found?.sentAt) return undefined;
  // The quote's lock serialises this with the public page and with a new version being made.
  const quote = await findQuote(trx, found.quoteId, true);
  if (!quote || quote.conversationId !== reply.conversationId) return undefined;
  const version = (await findVersionById(trx, parsed.versionId)) ?? found;
  const conversation = await findConversation(trx, reply.conversationId, { forUpdate: true });
  if (!conversation) return undefined;
  const texts = offerTexts(version.locale);
  const answer = (text: string, index = 0) =>
    queueOutboundMessage(trx, {
      conversationId: conversation.id,
      author: 'system',
      body: { type: 'text', text },
      idempotencyKey: `quote-button:${reply.messageId}:${index}`,
      requestId: reply.requestId,
    });

  if (parsed.answer === 'question') {
    await changeOwnership(trx, conversation, {
      target: { to: 'human' },
      actor: { type: 'customer' },
      reason: QUESTION_REASON,
    });
    await answer(texts.handover);
    return 'handed_over';
  }

  const at = { tenantId: reply.tenantId, quote, version };
  const current = await expireIfDue(trx, at, null);
  if (!OPEN.includes(current.status)) {
    const why =
      current.status === 'expired'
        ? texts.expired(quote.number)
        : current.status === 'superseded'
          ? texts.superseded(quote.number)
          : current.status === 'accepted'
            ? texts.accepted(quote.number)
            : texts.closed(quote.number);
    await answer(why);
    return 'refused';
  }
  const contact = await trx
    .selectFrom('contacts')
    .select('displayName')
    .where('id', '=', conversation.contactId)
    .executeTakeFirst();
  await recordDecision(trx, at, current, 'accepted', {
    customerName: contact?.displayName?.slice(0, 200) || null,
    reason: null,
    channel: 'whatsapp',
    channelMessageId: reply.providerMessageId,
    context: null,
  });
  await answer(texts.accepted(quote.number));
  return 'accepted';
}
