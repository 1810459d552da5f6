import { isOptedOut, recordConsent } from '../contacts/consent/consent.js';
import type { ConsentChannel } from '../contacts/consent/consent.table.js';
import { keywordReply, matchKeyword } from '../contacts/consent/keywords.js';
import type { Contact } from '../contacts/contacts.table.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { Conversation } from './conversations.table.js';
import { publishCustomerOptOut } from './message-outcomes.js';
import type { Message } from './messages.table.js';
import { queueOutboundMessage } from './send-ledger.js';

/** The consent channel a conversation's messages travel on: its channel kind (WhatsApp or SMS). */
export function consentChannelOf(conversation: Pick<Conversation, 'channelKind'>): ConsentChannel {
  return conversation.channelKind;
}

/**
 * Inbound hook, before the agent: a message that is only an opt-out, opt-in or help keyword is answered
 * here (the ledger entry and the confirmation, in this transaction) and never reaches the agent. An opt-in
 * keyword only counts while the contact is opted out (a "yes" to the qualifier stays an answer). Returns
 * whether the message was a keyword handled here.
 */
export async function handleConsentKeyword(
  trx: TenantTransaction,
  input: { conversation: Conversation; contact: Contact; message: Message; requestId: string },
): Promise<boolean> {
  const { conversation, contact, message } = input;
  if (message.author !== 'customer' || message.type !== 'text') return false;
  const keyword = matchKeyword(message.text);
  if (!keyword) return false;
  const channel = consentChannelOf(conversation);
  const optedOut = await isOptedOut(trx, contact.id, channel);
  if (keyword.action === 'opt_in' && !optedOut) return false;
  if (keyword.action !== 'help') {
    await recordConsent(trx, {
      contactId: contact.id,
      channel,
      state: keyword.action === 'opt_out' ? 'opted_out' : 'opted_in',
      source: 'customer',
      shownText: message.text,
      evidence: { messageId: message.id, keyword: keyword.action },
    });
    if (keyword.action === 'opt_out') {
      await publishCustomerOptOut(trx, {
        conversationId: conversation.id,
        messageId: message.id,
        sentAt: message.sentAt,
      });
    }
  }
  await queueOutboundMessage(trx, {
    conversationId: conversation.id,
    recipient: {
      channelId: conversation.channelId,
      channelKind: conversation.channelKind,
      phoneE164: contact.phoneE164,
    },
    author: 'system',
    body: { type: 'text', text: keywordReply(keyword.action, conversation.language ?? keyword.language) },
    idempotencyKey: `consent:${message.id}`,
    requestId: input.requestId,
  });
  return true;
}

/** Whether anything automatic (the agent) may message this conversation's contact on its channel. */
export async function mayMessage(
  trx: TenantTransaction,
  conversation: Pick<Conversation, 'channelKind' | 'contactId'>,
): Promise<boolean> {
  return !(await isOptedOut(trx, conversation.contactId, consentChannelOf(conversation)));
}

/** The operator composer's guard: an opted-out contact is not messaged on that channel (409). */
export async function assertMayMessage(
  trx: TenantTransaction,
  conversation: Pick<Conversation, 'channelKind' | 'contactId'>,
): Promise<void> {
  if (await mayMessage(trx, conversation)) return;
  throw new AppError(
    'contact_opted_out',
    `The customer opted out of messages on ${consentChannelOf(conversation)}; only they can opt in again (by replying START)`,
  );
}
