import { sql } from 'kysely';
import type { Agent } from '../../agent/agent.js';
import { upsertContact } from '../../contacts/contacts.repository.js';
import { canonicalPhone } from '../../contacts/phone.js';
import {
  applyAgentTurn,
  type HeldRows,
  type PreparedTurn,
  prepareAgentTurn,
} from '../../conversations/agent-turn.js';
import { handleConsentKeyword } from '../../conversations/consent-keywords.js';
import { upsertConversation } from '../../conversations/conversations.repository.js';
import { normaliseInbound } from '../../conversations/inbound-message.js';
import {
  findMessageByProviderId,
  insertInboundMessage,
  insertPendingMedia,
} from '../../conversations/messages.repository.js';
import type { Message } from '../../conversations/messages.table.js';
import { resumeIfPauseOver } from '../../conversations/ownership.service.js';
import { enqueueSend } from '../../conversations/send-ledger.js';
import { openedJson } from '../../platform/crypto/field-codec.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { defineTask, type TaskContext } from '../../platform/jobs/task.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import {
  clearSendMark,
  findPendingOutbound,
  findUnsentOfConversation,
  type OutboundForSend,
} from './outbound.repository.js';
import { conversationQueue, downloadMediaTask, markReadTask, processInboundTask } from './task-refs.js';
import type { WhatsappInbound } from './webhook.table.js';

export interface ProcessInboundDependencies {
  /** The agent that answers while a conversation's ownership is `bot` (the built-in qualifier). */
  agent: Agent;
  /**
   * Sends a ledger row now (the send job's own routine; it drops the row's send job, if it has one, once
   * the row is sent or failed). With it, the agent's replies get no send job: they go out right after
   * their transaction commits, a failed send gets its job then, and a crash in between leaves them to
   * the conversation's next processing run (the crashed job's retry, or a newer one), which sends them
   * along with its own or at its end. Without it (tests of processing alone), replies get send jobs.
   */
  sendNow?: (message: OutboundForSend, ctx: TaskContext<'tenant'>) => Promise<void>;
  /**
   * Answers a customer's reply-button tap in the receipt's transaction (quotes' "Accept" / "I have a
   * question", wired in tasks.ts). A defined answer means it was handled: the agent takes no turn on it.
   */
  buttonReplies?: (trx: TenantTransaction, reply: InboundButtonReply) => Promise<string | undefined>;
}

export interface InboundButtonReply {
  tenantId: string;
  conversationId: string;
  messageId: string;
  providerMessageId: string;
  /** The button's id (interactive reply) or payload (a template's quick reply). */
  buttonId: string;
  requestId: string;
}

/** The id a customer's reply-button message carries, if it is one. */
function buttonIdOf(message: Message): string | undefined {
  const content = message.content as Record<string, unknown>;
  const id =
    message.type === 'interactive'
      ? content.replyId
      : message.type === 'button'
        ? content.payload
        : undefined;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** A receipt, with its channel's setting that processing needs (read in the same statement). */
type LockedReceipt = WhatsappInbound & { markAsRead: boolean };

function lockedReceipts(trx: TenantTransaction, channelId: string) {
  return trx
    .selectFrom('whatsappInbound')
    .innerJoin('whatsappChannels', 'whatsappChannels.id', 'whatsappInbound.channelId')
    .selectAll('whatsappInbound')
    .select('whatsappChannels.markAsRead')
    .where('whatsappInbound.channelId', '=', channelId)
    .forUpdate('whatsappInbound');
}

/**
 * Locks a conversation's receipts not yet processed and returns them in Meta's time order (ties by wamid,
 * stable). The job handles the first in this same transaction, and each later one in a transaction of its
 * own, locked again there by `lockReceipt`.
 */
async function lockPendingReceipts(
  trx: TenantTransaction,
  channelId: string,
  conversationKey: string,
): Promise<LockedReceipt[]> {
  return lockedReceipts(trx, channelId)
    .where('whatsappInbound.conversationKey', '=', conversationKey)
    .where('whatsappInbound.processedAt', 'is', null)
    .orderBy('whatsappInbound.sentAt')
    .orderBy('whatsappInbound.providerMessageId')
    .execute()
    .then((rows) => rows.map(opened));
}

/** The receipt's message is sealed at rest (ADR 0036): the codec gives its JSON text. */
function opened(receipt: LockedReceipt): LockedReceipt {
  return { ...receipt, message: openedJson<Record<string, unknown>>(receipt.message) };
}

/**
 * Locks one receipt. The conversation's queue already keeps other jobs of this conversation out, so this
 * waits (never skips) for a straggler of an earlier attempt, then sees whether that attempt finished.
 */
async function lockReceipt(
  trx: TenantTransaction,
  channelId: string,
  providerMessageId: string,
): Promise<LockedReceipt | undefined> {
  return lockedReceipts(trx, channelId)
    .where('whatsappInbound.providerMessageId', '=', providerMessageId)
    .executeTakeFirst()
    .then((row) => row && opened(row));
}

function profileName(profile: Record<string, unknown> | null): string | null {
  const inner = profile?.profile;
  if (typeof inner !== 'object' || inner === null) return null;
  const name = (inner as Record<string, unknown>).name;
  if (typeof name !== 'string') return null;
  const trimmed = name.replaceAll('\u0000', '').trim();
  return trimmed.length > 0 ? trimmed.slice(0, 200) : null;
}

const WA_ID = /^[0-9]{6,20}$/;

async function markProcessed(trx: TenantTransaction, receipt: WhatsappInbound): Promise<void> {
  await trx
    .updateTable('whatsappInbound')
    .set({ processedAt: sql<Date>`now()` })
    .where('channelId', '=', receipt.channelId)
    .where('providerMessageId', '=', receipt.providerMessageId)
    .execute();
}

/**
 * What one receipt causes up to the agent's turn, in the caller's transaction: a crash anywhere rolls it
 * back and the retry redoes the receipt. Returns the turn to run when the bot answers; the receipt is
 * marked processed here when there is none, else by the transaction that applies the turn (so a crash
 * while the agent thinks redoes the turn, and only the turn: the message is then found stored).
 */
async function processReceipt(
  trx: TenantTransaction,
  deps: ProcessInboundDependencies,
  receipt: LockedReceipt,
  requestId: string,
): Promise<{ prepared: PreparedTurn; held: HeldRows } | undefined> {
  const from = typeof receipt.message.from === 'string' ? receipt.message.from : receipt.conversationKey;
  // The receipt's key was computed from `from` at ingest; a `from` we cannot read falls back to it.
  const phone = canonicalPhone(from) ?? canonicalPhone(receipt.conversationKey);
  if (!phone) throw new Error('receipt has no usable phone number');
  const contact = await upsertContact(trx, {
    phoneE164: phone.e164,
    displayName: profileName(receipt.profile),
    waId: WA_ID.test(from) ? from : null,
    source: 'whatsapp',
  });
  let conversation = await upsertConversation(trx, { channelId: receipt.channelId, contactId: contact.id });
  // Both rows are locked by this transaction from here on (inserted, or updated on conflict).
  const turnFor = async (held: HeldRows, message: Message) => {
    const prepared = await prepareAgentTurn(trx, { ...held, message });
    return prepared && { prepared, held };
  };

  const normalised = normaliseInbound(receipt.message);
  const message = await insertInboundMessage(trx, {
    conversationId: conversation.id,
    channelId: receipt.channelId,
    providerMessageId: receipt.providerMessageId,
    sentAt: receipt.sentAt,
    message: normalised,
  });
  if (!message) {
    // Stored by an earlier attempt whose agent turn never committed (the receipt is still unprocessed):
    // only the turn is left to do.
    const stored = await findMessageByProviderId(trx, receipt.channelId, receipt.providerMessageId);
    if (stored?.author !== 'customer' || stored.conversationId !== conversation.id) return undefined;
    return turnFor({ conversation, contact }, stored);
  }
  // Here, per conversation, not in the webhook's group commit: the ingest hot path stays NOTIFY-free.
  await publishInboxEvent(trx, {
    type: 'message.created',
    conversationId: conversation.id,
    messageId: message.id,
  });
  if (normalised.media) {
    await insertPendingMedia(trx, message.id, normalised.media);
    await enqueue(trx, downloadMediaTask, { messageId: message.id }, { requestId });
  }
  if (receipt.markAsRead && message.author === 'customer') {
    await enqueue(trx, markReadTask, { messageId: message.id }, { requestId });
  }
  conversation = await resumeIfPauseOver(trx, conversation);
  if (message.author !== 'customer') return undefined;
  // Opt-out / opt-in / help keywords are answered before (and instead of) the agent.
  if (await handleConsentKeyword(trx, { conversation, contact, message, requestId })) return undefined;
  const buttonId = buttonIdOf(message);
  if (buttonId && deps.buttonReplies) {
    const handled = await deps.buttonReplies(trx, {
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      messageId: message.id,
      providerMessageId: receipt.providerMessageId,
      buttonId,
      requestId,
    });
    if (handled !== undefined) return undefined;
  }
  return turnFor({ conversation, contact }, message);
}

/** What a receipt's transaction leaves for after its commit. */
interface ReceiptOutcome {
  /** A turn of an agent that does I/O, to run outside any transaction. */
  prepared?: PreparedTurn;
  /** The conversation's unsent messages, as read by the transaction that applied the turn (if one did). */
  sends?: OutboundForSend[];
}

const NOTHING_LEFT: ReceiptOutcome = {};

/** One locked receipt in its transaction: stored, and answered there when the agent needs no I/O. */
async function handleReceipt(
  trx: TenantTransaction,
  deps: ProcessInboundDependencies,
  receipt: LockedReceipt,
  requestId: string,
): Promise<ReceiptOutcome> {
  if (receipt.processedAt) return NOTHING_LEFT;
  const turn = await processReceipt(trx, deps, receipt, requestId);
  if (!turn) {
    await markProcessed(trx, receipt);
    return NOTHING_LEFT;
  }
  const { prepared, held } = turn;
  if (!deps.agent.answersAtOnce?.(prepared.input)) return { prepared };
  // No I/O in this turn (the built-in qualifier): it commits with its message, one transaction, which
  // still holds the conversation and contact it prepared the turn with.
  await applyAgentTurn(trx, prepared, await deps.agent.respond(prepared.input), {
    requestId,
    held,
    callerSendsReplies: deps.sendNow !== undefined,
  });
  await markProcessed(trx, receipt);
  return { sends: await repliesToSend(trx, deps, prepared) };
}

/** Read in the turn's own transaction, so sending them right after its commit costs no other one. */
async function repliesToSend(
  trx: TenantTransaction,
  deps: ProcessInboundDependencies,
  prepared: PreparedTurn,
): Promise<OutboundForSend[]> {
  return deps.sendNow ? findPendingOutbound(trx, prepared.conversationId) : [];
}

/** Locks the receipt again and, unless a straggler finished it meanwhile, applies the agent's answer. */
async function finishTurn(
  ctx: TaskContext<'tenant'>,
  deps: ProcessInboundDependencies,
  channelId: string,
  providerMessageId: string,
  prepared: PreparedTurn,
): Promise<OutboundForSend[] | undefined> {
  const turn = await deps.agent.respond(prepared.input);
  return ctx.withTenant(async (trx) => {
    const receipt = await lockReceipt(trx, channelId, providerMessageId);
    if (!receipt || receipt.processedAt) return undefined;
    await applyAgentTurn(trx, prepared, turn, {
      requestId: ctx.requestId,
      callerSendsReplies: deps.sendNow !== undefined,
    });
    await markProcessed(trx, receipt);
    return repliesToSend(trx, deps, prepared);
  });
}

/**
 * `whatsapp.process-inbound`: a conversation's pending receipts, oldest (by Meta's time) first, each in its
 * own tenant transaction. Runs in the conversation's queue, so no two jobs of one conversation overlap.
 */
export function createProcessInboundTask(deps: ProcessInboundDependencies) {
  return defineTask({
    ...processInboundTask,
    async handle({ channelId, conversationKey }, ctx) {
      const queueName = conversationQueue(channelId, conversationKey);
      let unsentRead = false;
      const send = async (sends: readonly OutboundForSend[] | undefined) => {
        if (!deps.sendNow || !sends) return;
        unsentRead = true;
        await sendRepliesNow(deps.sendNow, sends, ctx, queueName);
      };
      // Any agent with I/O runs between the receipt's transaction and the one applying its turn, holding
      // no lock or connection; replies leave right after the commit that wrote them.
      const afterCommit = async (providerMessageId: string, outcome: ReceiptOutcome) => {
        await send(
          outcome.prepared
            ? await finishTurn(ctx, deps, channelId, providerMessageId, outcome.prepared)
            : outcome.sends,
        );
      };
      // A run that applied no turn read no unsent messages: a crashed run may have left replies unsent
      // (they have no send job), so it ends by sending them. A turn's own read covers them.
      const sendLeftovers = async () => {
        if (!deps.sendNow || unsentRead) return;
        await send(await ctx.withTenant((trx) => findUnsentOfConversation(trx, channelId, conversationKey)));
      };
      // The first receipt is handled in the transaction that finds them all.
      const first = await ctx.withTenant(async (trx) => {
        const [head, ...rest] = await lockPendingReceipts(trx, channelId, conversationKey);
        if (!head) return undefined;
        const outcome = await handleReceipt(trx, deps, head, ctx.requestId);
        return { head: head.providerMessageId, outcome, later: rest.map((r) => r.providerMessageId) };
      });
      if (!first) return sendLeftovers();
      await afterCommit(first.head, first.outcome);
      for (const providerMessageId of first.later) {
        const outcome = await ctx.withTenant(async (trx) => {
          const receipt = await lockReceipt(trx, channelId, providerMessageId);
          return receipt ? handleReceipt(trx, deps, receipt, ctx.requestId) : NOTHING_LEFT;
        });
        await afterCommit(providerMessageId, outcome);
      }
      await sendLeftovers();
    },
  });
}

/**
 * Sends replies in order. The first that fails, and every later one, get a send job (in the
 * conversation's queue, in order; one that had a job keeps it, same key), which retries with its backoff.
 * The later ones were marked as being sent when they were read but never left: their marks are taken
 * back, so their jobs send them without waiting as for a send in doubt (the failed one's own mark is
 * settled by `sendNow`).
 */
async function sendRepliesNow(
  sendNow: NonNullable<ProcessInboundDependencies['sendNow']>,
  sends: readonly OutboundForSend[],
  ctx: TaskContext<'tenant'>,
  queueName: string,
): Promise<void> {
  for (const [index, message] of sends.entries()) {
    try {
      await sendNow(message, ctx);
    } catch (error) {
      ctx.logger.warn({ err: error, messageId: message.id }, 'immediate send failed; left to send jobs');
      // If this fails too, the whole job fails: its next attempt sends what is left (see `handle`).
      await ctx.withTenant(async (trx) => {
        await clearSendMark(
          trx,
          sends.slice(index + 1).map((unsent) => unsent.id),
        );
        for (const unsent of sends.slice(index)) {
          await enqueueSend(trx, {
            channelKind: 'whatsapp',
            messageId: unsent.id,
            queueName,
            requestId: ctx.requestId,
          });
        }
      });
      return;
    }
  }
}
