import type { Agent } from '../agent/agent.js';
import { asksForHuman } from '../agent/handoff.js';
import { findQualifierSettings } from '../agent/qualifier-settings.repository.js';
import type { Contact } from '../contacts/contacts.table.js';
import { applyProfileUpdates, profileOf } from '../contacts/profile.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { saveAgentTurn } from './conversations.repository.js';
import type { Conversation } from './conversations.table.js';
import type { Message } from './messages.table.js';
import { botAnswers } from './ownership.js';
import { changeOwnership } from './ownership.service.js';
import { queueOutboundMessage } from './send-ledger.js';

export const CUSTOMER_ASKED_REASON = 'customer asked for a person';

/**
 * The agent's turn on one inbound customer message, in the receipt's transaction. Only while the bot owns
 * the conversation: under `human` or `paused` nothing is sent (the message is stored all the same).
 * Replies go to the send ledger under `reply:{message}:{index}`, so a redone receipt finds them there and
 * sends nothing twice. A customer asking for a person hands over even if the agent missed it, and also
 * during a pause.
 */
export async function runAgentTurn(
  trx: TenantTransaction,
  agent: Agent,
  input: { conversation: Conversation; contact: Contact; message: Message; requestId: string },
): Promise<Conversation> {
  const { conversation, contact, message, requestId } = input;
  const customerAsked = message.text !== null && asksForHuman(message.text);
  if (!botAnswers(conversation)) {
    // Silent during a pause, but a customer asking for a person must not get the bot back when it ends.
    if (!customerAsked || conversation.ownership !== 'paused') return conversation;
    return changeOwnership(trx, conversation, {
      target: { to: 'human' },
      actor: { type: 'customer' },
      reason: CUSTOMER_ASKED_REASON,
    });
  }
  const { defaultLanguage, requiredFields, prompts } = await findQualifierSettings(trx);
  const settings = { defaultLanguage, requiredFields, prompts };
  const turn = await agent.respond({
    tenantId: conversation.tenantId,
    conversationId: conversation.id,
    language: conversation.language,
    state: conversation.agentState,
    profile: profileOf(contact),
    profileComplete: contact.profileCompletedAt !== null,
    message: { type: message.type, text: message.text },
    settings,
  });
  await applyProfileUpdates(trx, contact.id, turn.profileUpdates, settings.requiredFields);
  await saveAgentTurn(trx, conversation.id, { language: turn.language, agentState: turn.state });
  for (const [index, text] of turn.replies.entries()) {
    await queueOutboundMessage(trx, {
      conversationId: conversation.id,
      author: 'bot',
      body: { type: 'text', text },
      idempotencyKey: `reply:${message.id}:${index}`,
      requestId,
    });
  }
  if (!turn.handoff && !customerAsked) return conversation;
  return changeOwnership(trx, conversation, {
    target: { to: 'human' },
    actor: { type: customerAsked ? 'customer' : 'agent' },
    reason: (turn.handoff?.reason ?? CUSTOMER_ASKED_REASON).slice(0, 500) || CUSTOMER_ASKED_REASON,
  });
}
