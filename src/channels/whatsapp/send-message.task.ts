import { setTimeout as sleep } from 'node:timers/promises';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { enqueue, removeJob } from '../../platform/jobs/enqueue.js';
import { defineTask, type TaskContext } from '../../platform/jobs/task.js';
import { isCustomerWindowOpen, needsCustomerWindow } from './customer-window.js';
import { GraphApiError, type GraphChannel } from './graph-api.client.js';
import { OUTSIDE_WINDOW_CODE, OUTSIDE_WINDOW_TITLE } from './graph-errors.js';
import {
  clearSendMark,
  inDoubtState,
  markAccepted,
  markAcceptedWithoutWamid,
  markOutboundForSend,
  markSendFailed,
  type OutboundForSend,
  storeTemplateText,
} from './outbound.repository.js';
import { interactiveObject, isFileMessage, mediaObject, prepareAttachment } from './outbound-media.js';
import type { WhatsappOutbound } from './outbound-runtime.js';
import { applyPendingStatuses } from './statuses.repository.js';
import { conversationQueue, sendJobKey, sendMessageTask } from './task-refs.js';
import { findTemplateDefinition, renderedTemplateText, type TemplateSend } from './template-message.js';

/** Saves of an accepted send tried in the call before the job's retry takes over (as a save, ADR 0018). */
const SAVE_ATTEMPTS = 4;
const SAVE_BACKOFF_MS = [100, 500, 2_000];
const UNSAVED_LIMIT = 10_000;

/**
 * Meta's request body for a ledger row (protocols.md §1). `to` is the WhatsApp id when Meta told us one.
 * `biz_opaque_callback_data` carries the row's id: Meta echoes it in the message's status callbacks, which
 * is how a send whose answer was lost is recognised (ADR 0018).
 */
export function graphMessageBody(message: OutboundForSend, mediaId?: string): Record<string, unknown> {
  const to = message.waId ?? message.phoneE164.replace(/^\+/, '');
  const base = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    biz_opaque_callback_data: message.id,
  };
  if (message.type === 'template') {
    const template = templateOf(message);
    // A file for the template's DOCUMENT header is a header parameter, ahead of the other components.
    const components = [
      ...(mediaId
        ? [{ type: 'header', parameters: [{ type: 'document', document: mediaObject(message, mediaId) }] }]
        : []),
      ...(template.components ?? []),
    ];
    return {
      ...base,
      type: 'template',
      template: {
        name: template.name,
        language: { code: template.language },
        ...(components.length > 0 ? { components } : {}),
      },
    };
  }
  if (isFileMessage(message.type)) {
    if (!mediaId) throw new Error(`${message.type} message ${message.id} has no uploaded file`);
    return { ...base, type: message.type, [message.type]: mediaObject(message, mediaId) };
  }
  if (message.type === 'interactive') {
    return { ...base, type: 'interactive', interactive: interactiveObject(message) };
  }
  return { ...base, type: 'text', text: { body: message.text ?? '' } };
}

/**
 * Sends one ledger row. Never twice: a row with a wamid (or already failed) is done. Transient failures
 * that prove Meta did not act (throttling, Meta's 5xx, no connection, an open breaker) are retried in the
 * call with backoff, then by the job. 131056 (this recipient is rate-limited) is not retried in the call:
 * the job is thrown back and graphile-worker's exponential delay spaces the next try; the conversation's
 * queue holds only this recipient's messages, so nobody else waits. 131047, 131026, 131049 and other
 * permanent errors fail the row with Meta's code and title. A send whose outcome is unknown (a timeout,
 * a lost connection, a crash) is never repeated blindly (ADR 0018).
 */
export function createSendMessageTask(outbound: WhatsappOutbound) {
  return defineTask({
    ...sendMessageTask,
    handle: ({ messageId, bulk }, ctx) => sendLedgerMessage(outbound, messageId, ctx, bulk === true),
  });
}

/** The send job's routine: reads (and marks) the ledger row, then sends it unless it was sent already. */
export async function sendLedgerMessage(
  outbound: WhatsappOutbound,
  messageId: string,
  ctx: TaskContext<'tenant'>,
  bulk = false,
): Promise<void> {
  const message = await ctx.withTenant((trx) => markOutboundForSend(trx, messageId));
  if (message) await sendOutbound(outbound, message, ctx, { bulk });
}

interface SendOptions {
  /** Sent by someone else than its send job: drop that job once the row is done with. */
  dropSendJob?: boolean;
  /** A campaign's send: it takes only the campaign share of the number's throughput. */
  bulk?: boolean;
}

/**
 * The send itself, for the send job and for the conversation's processing job, which sends its replies
 * at once after committing them (saving a job pickup), from the rows it read in that transaction. Both run
 * in the conversation's queue, so they never run at the same time for one conversation and a row read as
 * unsent in a committed transaction of that queue is still unsent; whichever comes second finds the wamid
 * and stops. The row comes marked as being sent, by the statement that read it, committed before this
 * runs: a crash from here on leaves it in doubt, never silently unsent or sent twice.
 */
export async function sendOutbound(
  outbound: WhatsappOutbound,
  message: OutboundForSend,
  ctx: TaskContext<'tenant'>,
  options: SendOptions = {},
): Promise<void> {
  const count = (outcome: string) => outbound.metrics?.whatsappSends.inc({ outcome });
  const messageId = message.id;
  const fail = (error: { code: number | null; title: string }) =>
    ctx.withTenant(async (trx) => {
      await markSendFailed(trx, messageId, error);
      if (options.dropSendJob) await removeJob(trx, sendJobKey(messageId));
    });
  const unmark = () => ctx.withTenant((trx) => clearSendMark(trx, [messageId]));
  if (message.direction !== 'outbound') return;
  if (message.providerMessageId || message.status !== 'pending') return;

  if (message.inDoubt && (await settleInDoubt(outbound, message, ctx, options)) !== 'send') return;

  if (message.disabledAt) {
    await fail({ code: null, title: 'the WhatsApp channel is disabled' });
    return count('failed');
  }
  if (needsCustomerWindow(message.type) && !isCustomerWindowOpen(message.lastInboundAt)) {
    await fail({ code: OUTSIDE_WINDOW_CODE, title: OUTSIDE_WINDOW_TITLE });
    return count('outside_window');
  }

  const channel = {
    id: message.channelId,
    phoneNumberId: message.phoneNumberId,
    accessToken: outbound.openAccessToken(message.accessTokenSealed),
  };
  // A file goes up first (outbound media); the message then names Meta's media id.
  let mediaId: string | undefined;
  try {
    // A template queued without its text (a campaign's, an automation's) gets it now, from its definition.
    if (message.type === 'template' && message.text === null) {
      await renderTemplateText(outbound, message, channel, ctx);
    }
    const uploaded = await prepareAttachment(outbound, message, channel, ctx);
    if (uploaded && 'failed' in uploaded) {
      await fail(uploaded.failed);
      ctx.logger.warn({ messageId, code: uploaded.failed.code }, 'WhatsApp media upload failed permanently');
      return count('failed');
    }
    mediaId = uploaded?.mediaId;
  } catch (error) {
    // Nothing was sent: the message itself never left.
    await unmark();
    throw error;
  }
  try {
    await outbound.throughput.acquire(
      message.phoneNumberId,
      message.messagesPerSecond,
      ctx.signal,
      options.bulk ? 'bulk' : 'conversation',
    );
  } catch (error) {
    await unmark();
    throw error;
  }
  const started = performance.now();
  let wamid: string;
  try {
    ({ wamid } = await outbound.graph.sendMessage(channel, graphMessageBody(message, mediaId)));
    observe(outbound, 'send', 'ok', started);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    observe(outbound, 'send', error.outcomeUnknown ? 'unknown' : error.action, started);
    if (error.outcomeUnknown) {
      // The mark stays: the retry first waits for a status callback naming this row.
      count('in_doubt');
      ctx.logger.warn({ messageId }, 'WhatsApp send outcome unknown; in doubt until Meta reports it');
      throw error;
    }
    if (error.action === 'needs-template' || error.action === 'permanent') {
      await fail({ code: error.code ?? null, title: error.title });
      ctx.logger.warn({ messageId, code: error.code }, 'WhatsApp send failed permanently');
      return count('failed');
    }
    await unmark();
    count(error.action === 'recipient-later' ? 'recipient_limited' : 'retry');
    throw error;
  }

  await saveAcceptance(outbound, message, wamid, ctx, options);
  count('accepted');
}

async function renderTemplateText(
  outbound: WhatsappOutbound,
  message: OutboundForSend,
  channel: GraphChannel,
  ctx: TaskContext<'tenant'>,
): Promise<void> {
  const send = templateOf(message);
  const definition = await findTemplateDefinition(
    outbound.templates,
    channel,
    message.wabaId,
    send,
    ctx.logger,
  );
  const text = renderedTemplateText(send, definition);
  if (text !== null) await ctx.withTenant((trx) => storeTemplateText(trx, message.id, text));
}

function templateOf(message: OutboundForSend): TemplateSend {
  const template = (message.content as { template?: TemplateSend }).template;
  if (!template) throw new Error(`template message ${message.id} has no template`);
  return template;
}

/**
 * Stores the wamid of a send Meta accepted. It is retried as a save, never as a send: in the call with a
 * short backoff; then, if it still fails, the wamid waits in this process for the job's retry, and after
 * a crash Meta's status callback (naming the row) gives it back. A wamid already stored on another
 * message (a reused id) cannot be stored twice: the row is recorded as accepted without it.
 */
async function saveAcceptance(
  outbound: WhatsappOutbound,
  message: OutboundForSend,
  wamid: string,
  ctx: TaskContext<'tenant'>,
  options: SendOptions,
): Promise<void> {
  const messageId = message.id;
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.withTenant(async (trx) => {
        const accepted = await markAccepted(trx, messageId, wamid);
        // Statuses that arrived before we knew this wamid have been waiting for it.
        if (accepted?.statusesWaiting) await applyPendingStatuses(trx, message.channelId, wamid);
        if (options.dropSendJob) await removeJob(trx, sendJobKey(messageId));
      });
      outbound.unsavedAcceptances.delete(messageId);
      return;
    } catch (error) {
      if (isUniqueViolation(error)) {
        ctx.logger.warn({ messageId }, 'Meta answered with a message id already stored; recorded without it');
        await ctx.withTenant(async (trx) => {
          await markAcceptedWithoutWamid(trx, messageId);
          if (options.dropSendJob) await removeJob(trx, sendJobKey(messageId));
        });
        outbound.unsavedAcceptances.delete(messageId);
        return;
      }
      if (attempt >= SAVE_ATTEMPTS) {
        if (outbound.unsavedAcceptances.size >= UNSAVED_LIMIT) outbound.unsavedAcceptances.clear();
        outbound.unsavedAcceptances.set(messageId, wamid);
        throw error;
      }
      ctx.logger.warn(
        { err: error, messageId, attempt },
        'saving an accepted WhatsApp send failed; saving again',
      );
      await sleep(SAVE_BACKOFF_MS[attempt - 1] ?? 2_000, undefined, { signal: ctx.signal });
    }
  }
}

/**
 * A row an earlier attempt may have sent. Its wamid, if that attempt's answer is still in this process,
 * or if a status callback named the row, is saved and the row is done. Otherwise the row waits, bounded
 * by WHATSAPP_IN_DOUBT_WAIT_SECONDS from the attempt's mark: its send job is set to run when the wait
 * ends (holding no worker meanwhile; a callback arriving first settles the row through the statuses job,
 * and the job then finds nothing to send), and once the wait is over the row is marked anew and sent.
 */
async function settleInDoubt(
  outbound: WhatsappOutbound,
  message: OutboundForSend,
  ctx: TaskContext<'tenant'>,
  options: SendOptions,
): Promise<'settled' | 'waiting' | 'send'> {
  const count = (outcome: string) => outbound.metrics?.whatsappSends.inc({ outcome });
  const unsaved = outbound.unsavedAcceptances.get(message.id);
  if (unsaved) {
    await saveAcceptance(outbound, message, unsaved, ctx, options);
    count('in_doubt_saved');
    return 'settled';
  }
  return ctx
    .withTenant(async (trx) => {
      const state = await inDoubtState(trx, message.id, outbound.inDoubtWaitSeconds);
      if (state.settled) return 'settled';
      if (state.reported) return { reported: state.reported };
      if (state.renewed) return 'send';
      // Its own send job, keyed by the message: it replaces one that waits, or follows the running one.
      await enqueue(
        trx,
        sendMessageTask,
        { messageId: message.id },
        {
          requestId: ctx.requestId,
          queueName: conversationQueue(message.channelId, message.phoneE164.slice(1)),
          jobKey: sendJobKey(message.id),
          runAt: new Date(Date.now() + state.remainingMs),
        },
      );
      return 'waiting';
    })
    .then(async (outcome) => {
      if (typeof outcome === 'object') {
        await saveAcceptance(outbound, message, outcome.reported, ctx, options);
        count('in_doubt_reported');
        return 'settled';
      }
      if (outcome === 'send') {
        ctx.logger.warn(
          { messageId: message.id },
          'no status named a send in doubt in time; sending it again',
        );
        count('in_doubt_resent');
      }
      return outcome;
    });
}

function observe(outbound: WhatsappOutbound, operation: string, outcome: string, started: number): void {
  outbound.metrics?.graphApiDuration.observe({ operation, outcome }, (performance.now() - started) / 1000);
}
