import { removeJob } from '../../platform/jobs/enqueue.js';
import { defineTask, type TaskContext } from '../../platform/jobs/task.js';
import { isCustomerWindowOpen, needsCustomerWindow } from './customer-window.js';
import { GraphApiError } from './graph-api.client.js';
import { OUTSIDE_WINDOW_CODE, OUTSIDE_WINDOW_TITLE } from './graph-errors.js';
import {
  findOutboundForSend,
  markAccepted,
  markSendFailed,
  type OutboundForSend,
} from './outbound.repository.js';
import type { WhatsappOutbound } from './outbound-runtime.js';
import { applyPendingStatuses } from './statuses.repository.js';
import { sendJobKey, sendMessageTask } from './task-refs.js';

/** Meta's request body for a ledger row (protocols.md §1). `to` is the WhatsApp id when Meta told us one. */
export function graphMessageBody(message: OutboundForSend): Record<string, unknown> {
  const to = message.waId ?? message.phoneE164.replace(/^\+/, '');
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
  if (message.type === 'template') {
    const template = (
      message.content as { template?: { name: string; language: string; components?: unknown } }
    ).template;
    if (!template) throw new Error(`template message ${message.id} has no template`);
    return {
      ...base,
      type: 'template',
      template: {
        name: template.name,
        language: { code: template.language },
        ...(template.components ? { components: template.components } : {}),
      },
    };
  }
  return { ...base, type: 'text', text: { body: message.text ?? '' } };
}

/**
 * Sends one ledger row. Never twice: a row with a wamid (or already failed) is done. Transient failures
 * (throttling, 5xx, timeouts, an open breaker) are retried in the call with backoff, then by the job.
 * 131056 (this recipient is rate-limited) is not retried in the call: the job is thrown back and
 * graphile-worker's exponential delay spaces the next try; the conversation's queue holds only this
 * recipient's messages, so nobody else waits. 131047, 131026, 131049 and other permanent errors fail the
 * row with Meta's code and title.
 */
export function createSendMessageTask(outbound: WhatsappOutbound) {
  return defineTask({
    ...sendMessageTask,
    handle: ({ messageId }, ctx) => sendLedgerMessage(outbound, messageId, ctx),
  });
}

/** The send job's routine: reads the ledger row, then sends it unless it was sent already. */
export async function sendLedgerMessage(
  outbound: WhatsappOutbound,
  messageId: string,
  ctx: TaskContext<'tenant'>,
): Promise<void> {
  const message = await ctx.withTenant((trx) => findOutboundForSend(trx, messageId));
  if (message) await sendOutbound(outbound, message, ctx);
}

/**
 * The send itself, for the send job and for the conversation's processing job, which sends its replies
 * at once after committing them (saving a job pickup), from the rows it read in that transaction. Both run
 * in the conversation's queue, so they never run at the same time for one conversation and a row read as
 * unsent in a committed transaction of that queue is still unsent; whichever comes second finds the wamid
 * and stops.
 */
export async function sendOutbound(
  outbound: WhatsappOutbound,
  message: OutboundForSend,
  ctx: TaskContext<'tenant'>,
  options: {
    /** Sent by someone else than its send job: drop that job once the row is done with. */
    dropSendJob?: boolean;
  } = {},
): Promise<void> {
  const count = (outcome: string) => outbound.metrics?.whatsappSends.inc({ outcome });
  const messageId = message.id;
  const fail = (error: { code: number | null; title: string }) =>
    ctx.withTenant(async (trx) => {
      await markSendFailed(trx, messageId, error);
      if (options.dropSendJob) await removeJob(trx, sendJobKey(messageId));
    });
  if (message.direction !== 'outbound') return;
  if (message.providerMessageId || message.status !== 'pending') return;

  if (message.disabledAt) {
    await fail({ code: null, title: 'the WhatsApp channel is disabled' });
    return count('failed');
  }
  if (needsCustomerWindow(message.type) && !isCustomerWindowOpen(message.lastInboundAt)) {
    await fail({ code: OUTSIDE_WINDOW_CODE, title: OUTSIDE_WINDOW_TITLE });
    return count('outside_window');
  }

  await outbound.throughput.acquire(message.phoneNumberId, message.messagesPerSecond, ctx.signal);
  const channel = {
    id: message.channelId,
    phoneNumberId: message.phoneNumberId,
    accessToken: outbound.openAccessToken(message.accessTokenSealed),
  };
  const started = performance.now();
  let wamid: string;
  try {
    ({ wamid } = await outbound.graph.sendMessage(channel, graphMessageBody(message)));
    observe(outbound, 'send', 'ok', started);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    observe(outbound, 'send', error.action, started);
    if (error.action === 'needs-template' || error.action === 'permanent') {
      await fail({ code: error.code ?? null, title: error.title });
      ctx.logger.warn({ messageId, code: error.code }, 'WhatsApp send failed permanently');
      return count('failed');
    }
    count(error.action === 'recipient-later' ? 'recipient_limited' : 'retry');
    throw error;
  }

  await ctx.withTenant(async (trx) => {
    const accepted = await markAccepted(trx, messageId, wamid);
    // Statuses that arrived before we knew this wamid have been waiting for it.
    if (accepted?.statusesWaiting) await applyPendingStatuses(trx, message.channelId, wamid);
    if (options.dropSendJob) await removeJob(trx, sendJobKey(messageId));
  });
  count('accepted');
}

function observe(outbound: WhatsappOutbound, operation: string, outcome: string, started: number): void {
  outbound.metrics?.graphApiDuration.observe({ operation, outcome }, (performance.now() - started) / 1000);
}
