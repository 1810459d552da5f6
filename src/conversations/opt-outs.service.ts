import type { ChannelKind } from '../channels/channel-adapter.js';
import { setChannelOptOut } from '../contacts/channel-opt-outs.repository.js';
import type { Contact } from '../contacts/contacts.table.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Conversation } from './conversations.table.js';
import { keywordOf, keywordReply } from './keywords.js';
import type { Message } from './messages.table.js';
import { queueOutboundMessage } from './send-ledger.js';

export function isOptedOut(contact: Pick<Contact, 'optedOutChannels'>, kind: ChannelKind): boolean {
  return contact.optedOutChannels.includes(kind);
}

/**
 * A customer's STOP / START / HELP (ADR 0027), in the transaction that stored their message: opts the
 * contact out of (or back into) this channel kind and confirms in the conversation's language. Returns
 * true when the message was a keyword the agent must not answer. START and its equivalents ("yes") are
 * keywords only for a contact who opted out; otherwise they are ordinary answers for the agent. A STOP
 * from a contact already opted out changes nothing and sends nothing.
 */
export async function handleKeyword(
  trx: TenantTransaction,
  held: { conversation: Conversation; contact: Contact; message: Message },
  requestId: string,
): Promise<boolean> {
  const { conversation, contact, message } = held;
  if (message.author !== 'customer' || message.type !== 'text') return false;
  const keyword = keywordOf(message.text);
  if (!keyword) return false;
  const kind = conversation.channelKind;
  const optedOut = isOptedOut(contact, kind);
  if (keyword.action === 'start' && !optedOut) return false;
  if (keyword.action === 'stop' && optedOut) return true;
  if (keyword.action !== 'help') {
    const stored = await setChannelOptOut(trx, {
      contactId: contact.id,
      channelKind: kind,
      state: keyword.action === 'stop' ? 'opted_out' : 'opted_in',
      source: 'keyword',
      keyword: (message.text ?? '').trim().slice(0, 40),
      messageId: message.id,
    });
    Object.assign(contact, stored);
  }
  // Help for an opted-out contact is answered too: the carriers' rules require it.
  await queueOutboundMessage(trx, {
    conversationId: conversation.id,
    recipient: {
      channelId: conversation.channelId,
      channelKind: kind,
      phoneE164: contact.phoneE164,
      optedOutChannels: contact.optedOutChannels,
    },
    author: 'system',
    body: {
      type: 'text',
      text: keywordReply(keyword.action, conversation.language ?? keyword.language ?? 'en'),
    },
    idempotencyKey: `keyword:${message.id}`,
    requestId,
    confirmsKeyword: true,
  });
  return true;
}
