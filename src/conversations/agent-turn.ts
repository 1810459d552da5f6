import type { AgentInput, AgentTurn } from '../agent/agent.js';
import { asksForHuman } from '../agent/handoff.js';
import { findLlmSettings } from '../agent/llm/llm-settings.repository.js';
import { conversationLanguage } from '../agent/qualifier/language.js';
import { profileFromMessage } from '../agent/qualifier/qualifier.js';
import { findQualifierSettings } from '../agent/qualifier-settings.repository.js';
import type { Contact } from '../contacts/contacts.table.js';
import { applyProfileUpdates, profileOf } from '../contacts/profile.js';
import { workspaceCanAutomate } from '../plans/plans.service.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { mayMessage } from './consent-keywords.js';
import { findConversation, saveAgentTurn } from './conversations.repository.js';
import type { Conversation } from './conversations.table.js';
import { recentHistory } from './history.js';
import type { Message } from './messages.table.js';
import { botAnswers } from './ownership.js';
import { changeOwnership, resumeIfPauseOver } from './ownership.service.js';
import { queueOutboundMessage } from './send-ledger.js';

export const CUSTOMER_ASKED_REASON = 'customer asked for a person';

/** Rows a transaction holds locked: what it wrote or locked itself, so no one else changed them since. */
export interface HeldRows {
  conversation: Conversation;
  contact: Contact;
}

/** What the agent is asked, with what the apply step needs to find its way back. */
export interface PreparedTurn {
  conversationId: string;
  contactId: string;
  messageId: string;
  customerAsked: boolean;
  input: AgentInput;
}

/**
 * While the bot does not answer nothing is sent (the message is stored all the same); a customer asking
 * for a person during a pause must not get the bot back when it ends.
 */
async function handleSilently(
  trx: TenantTransaction,
  conversation: Conversation,
  customerAsked: boolean,
): Promise<void> {
  if (!customerAsked || conversation.ownership !== 'paused') return;
  await changeOwnership(trx, conversation, {
    target: { to: 'human' },
    actor: { type: 'customer' },
    reason: CUSTOMER_ASKED_REASON,
  });
}

/**
 * While a person owns the conversation the customer may still write their e-mail or correct their name:
 * what a message states outright is stored all the same (nothing is sent). The held contact row is
 * refreshed in place, so later turns of this transaction see what is stored.
 */
async function storeWhatTheCustomerSays(
  trx: TenantTransaction,
  contact: Contact,
  message: Message,
  language: Conversation['language'],
): Promise<void> {
  if (message.text === null || message.type !== 'text') return;
  const { requiredFields } = await findQualifierSettings(trx);
  const read = profileFromMessage(
    message.text,
    profileOf(contact),
    conversationLanguage(language, message.text) ?? 'en',
  );
  if (Object.keys(read.updates).length === 0 && Object.keys(read.marks ?? {}).length === 0) return;
  const { contact: stored } = await applyProfileUpdates(
    trx,
    contact.id,
    read.updates,
    requiredFields,
    undefined,
    read.marks,
  );
  Object.assign(contact, stored);
}

/**
 * Step one of a turn, in the receipt's transaction: decides whether the bot answers and, when it does,
 * gathers everything the agent may read. The agent then runs outside any transaction (an LLM call takes
 * seconds; no row lock or connection is held across it) and `applyAgentTurn` records its answer.
 */
export async function prepareAgentTurn(
  trx: TenantTransaction,
  input: { conversation: Conversation; contact: Contact; message: Message },
): Promise<PreparedTurn | undefined> {
  const { conversation, contact, message } = input;
  const customerAsked = message.text !== null && asksForHuman(message.text);
  if (!botAnswers(conversation)) {
    await handleSilently(trx, conversation, customerAsked);
    await storeWhatTheCustomerSays(trx, contact, message, conversation.language);
    return undefined;
  }
  // The agent never messages a contact who opted out on this channel, nor for a workspace whose plan
  // pauses its bot (suspended, trial over, monthly conversations used up): the message is stored all the same.
  const gate = await workspaceCanAutomate(trx);
  if (!gate.allowed || !(await mayMessage(trx, conversation))) {
    await storeWhatTheCustomerSays(trx, contact, message, conversation.language);
    return undefined;
  }
  const { defaultLanguage, requiredFields, prompts, confirmProfile } = await findQualifierSettings(trx);
  // Over the plan's monthly LLM spend the LLM is not used: the scripted qualifier answers (it costs nothing).
  const llm = gate.llm ? await findLlmSettings(trx) : null;
  // Only the LLM agent reads the history; without its settings the qualifier answers, so it is not read.
  const history = llm ? await recentHistory(trx, conversation.id, message.id, llm.historyTokens) : [];
  return {
    conversationId: conversation.id,
    contactId: contact.id,
    messageId: message.id,
    customerAsked,
    input: {
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      language: conversation.language,
      state: conversation.agentState,
      profile: profileOf(contact),
      profileComplete: contact.profileCompletedAt !== null,
      companyNone: contact.companyNone,
      profileConfirmed: contact.profileConfirmedAt !== null,
      message: { type: message.type, text: message.text, id: message.id },
      history,
      llm,
      settings: { defaultLanguage, requiredFields, prompts, confirmProfile },
    },
  };
}

/**
 * Step three, in a new transaction: the conversation is locked and checked again, since an operator may
 * have taken it over while the agent was thinking (then nothing is sent). Replies go to the send ledger
 * under `reply:{message}:{index}`, so a redone receipt finds them there and sends nothing twice. A
 * customer asking for a person hands over even if the agent missed it.
 */
export async function applyAgentTurn(
  trx: TenantTransaction,
  prepared: PreparedTurn,
  turn: AgentTurn,
  options: {
    requestId: string;
    /**
     * The conversation and contact rows as they stand in this transaction, when the turn was prepared in
     * it (their rows are locked since): nothing can have changed, so they are not locked and read again.
     */
    held?: HeldRows;
    /** The caller sends the replies itself after the commit (see `OutboundRequest.withSendJob`). */
    callerSendsReplies?: boolean;
  },
): Promise<void> {
  const { held } = options;
  const locked =
    held?.conversation ?? (await findConversation(trx, prepared.conversationId, { forUpdate: true }));
  if (!locked) return;
  const conversation = await resumeIfPauseOver(trx, locked);
  if (!botAnswers(conversation)) {
    await handleSilently(trx, conversation, prepared.customerAsked);
    return;
  }
  const { requiredFields } = prepared.input.settings;
  const { contact } = await applyProfileUpdates(
    trx,
    prepared.contactId,
    turn.profileUpdates,
    requiredFields,
    held?.contact,
    turn.profileMarks,
  );
  await saveAgentTurn(trx, conversation.id, { language: turn.language, agentState: turn.state });
  // An opt-out may have arrived while the agent was thinking: its replies are then dropped.
  const replies = (await mayMessage(trx, conversation)) ? turn.replies : [];
  for (const [index, text] of replies.entries()) {
    await queueOutboundMessage(trx, {
      conversationId: conversation.id,
      recipient: {
        channelId: conversation.channelId,
        channelKind: conversation.channelKind,
        phoneE164: contact.phoneE164,
      },
      author: 'bot',
      body: { type: 'text', text },
      idempotencyKey: `reply:${prepared.messageId}:${index}`,
      requestId: options.requestId,
      withSendJob: !options.callerSendsReplies,
    });
  }
  if (!turn.handoff && !prepared.customerAsked) return;
  await changeOwnership(trx, conversation, {
    target: { to: 'human' },
    actor: { type: prepared.customerAsked ? 'customer' : 'agent' },
    reason: (turn.handoff?.reason ?? CUSTOMER_ASKED_REASON).slice(0, 500) || CUSTOMER_ASKED_REASON,
  });
}
