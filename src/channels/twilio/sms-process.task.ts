import { sql } from 'kysely';
import type { Agent } from '../../agent/agent.js';
import { upsertContact } from '../../contacts/contacts.repository.js';
import { canonicalPhone } from '../../contacts/phone.js';
import { applyAgentTurn, type PreparedTurn, prepareAgentTurn } from '../../conversations/agent-turn.js';
import { handleConsentKeyword } from '../../conversations/consent-keywords.js';
import { upsertConversation } from '../../conversations/conversations.repository.js';
import { findMessageByProviderId, insertInboundMessage } from '../../conversations/messages.repository.js';
import type { Message } from '../../conversations/messages.table.js';
import { resumeIfPauseOver } from '../../conversations/ownership.service.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { defineTask, type TaskContext } from '../../platform/jobs/task.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import type { SmsInbound } from './sms.table.js';
import { smsProcessInboundTask } from './sms-task-refs.js';

export interface SmsProcessDependencies {
  /** The agent that answers while a conversation's ownership is `bot` (the built-in qualifier). */
  agent: Agent;
}

function receipts(trx: TenantTransaction, numberId: string) {
  return trx.selectFrom('smsInbound').selectAll().where('numberId', '=', numberId).forUpdate();
}

async function markProcessed(trx: TenantTransaction, receipt: SmsInbound): Promise<void> {
  await trx
    .updateTable('smsInbound')
    .set({ processedAt: sql<Date>`now()` })
    .where('numberId', '=', receipt.numberId)
    .where('messageSid', '=', receipt.messageSid)
    .execute();
}

/**
 * What one SMS receipt causes up to the agent's turn, in the caller's transaction (a crash rolls all of
 * it back and the retry redoes it): the contact by E.164, the number's conversation with it, the message,
 * live events, STOP / START / HELP. Returns the agent's turn when the bot answers.
 */
async function processReceipt(
  trx: TenantTransaction,
  receipt: SmsInbound,
  requestId: string,
): Promise<PreparedTurn | undefined> {
  const phone = canonicalPhone(receipt.fromE164);
  if (!phone) throw new Error('SMS receipt has no usable phone number');
  const contact = await upsertContact(trx, { phoneE164: phone.e164, displayName: null, waId: null });
  let conversation = await upsertConversation(trx, {
    channelId: receipt.numberId,
    channelKind: 'sms',
    contactId: contact.id,
  });
  const turnFor = (message: Message) => prepareAgentTurn(trx, { conversation, contact, message });
  // Twilio's time of an inbound SMS is not in its webhook: the receipt's is the message's.
  const message = await insertInboundMessage(trx, {
    conversationId: conversation.id,
    channelId: receipt.numberId,
    providerMessageId: receipt.messageSid,
    sentAt: receipt.receivedAt,
    message: { type: 'text', author: 'customer', text: receipt.body, content: {}, media: null },
  });
  if (!message) {
    // Stored by an earlier attempt whose agent turn never committed: only the turn is left to do.
    const stored = await findMessageByProviderId(trx, receipt.numberId, receipt.messageSid);
    if (stored?.author !== 'customer' || stored.conversationId !== conversation.id) return undefined;
    return turnFor(stored);
  }
  await publishInboxEvent(trx, {
    type: 'message.created',
    conversationId: conversation.id,
    messageId: message.id,
  });
  conversation = await resumeIfPauseOver(trx, conversation);
  if (await handleConsentKeyword(trx, { conversation, contact, message, requestId })) return undefined;
  return turnFor(message);
}

/**
 * `sms.process-inbound`: a conversation's pending SMS receipts, oldest first, each in its own tenant
 * transaction, in the conversation's queue (no two jobs of one conversation overlap). An agent that
 * answers at once (the qualifier) commits its replies with the message; another one thinks outside any
 * transaction, and its turn is applied after the receipt is locked again. Replies leave through the send
 * ledger's jobs (`sms.send-message`), in order.
 */
export function createSmsProcessInboundTask(deps: SmsProcessDependencies) {
  return defineTask({
    ...smsProcessInboundTask,
    async handle({ numberId, conversationKey }, ctx: TaskContext<'tenant'>) {
      const pending = await ctx.withTenant((trx) =>
        receipts(trx, numberId)
          .where('conversationKey', '=', conversationKey)
          .where('processedAt', 'is', null)
          .orderBy('receivedAt')
          .orderBy('messageSid')
          .execute(),
      );
      for (const { messageSid } of pending) {
        const later = await ctx.withTenant(async (trx) => {
          const receipt = await receipts(trx, numberId)
            .where('messageSid', '=', messageSid)
            .executeTakeFirst();
          if (!receipt || receipt.processedAt) return undefined;
          const prepared = await processReceipt(trx, receipt, ctx.requestId);
          if (prepared && deps.agent.answersAtOnce?.(prepared.input)) {
            await applyAgentTurn(trx, prepared, await deps.agent.respond(prepared.input), {
              requestId: ctx.requestId,
            });
            await markProcessed(trx, receipt);
            return undefined;
          }
          if (!prepared) await markProcessed(trx, receipt);
          return prepared;
        });
        if (!later) continue;
        const turn = await deps.agent.respond(later.input);
        await ctx.withTenant(async (trx) => {
          const receipt = await receipts(trx, numberId)
            .where('messageSid', '=', messageSid)
            .executeTakeFirst();
          if (!receipt || receipt.processedAt) return;
          await applyAgentTurn(trx, later, turn, { requestId: ctx.requestId });
          await markProcessed(trx, receipt);
        });
      }
    },
  });
}
