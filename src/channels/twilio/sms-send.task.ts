import { sql } from 'kysely';

import type { MessageStatus } from '../../conversations/messages.table.js';
import type { Config } from '../../platform/config/config.js';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import { defineTask, type TaskContext } from '../../platform/jobs/task.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import { markSendFailed } from '../whatsapp/outbound.repository.js';
import type { Throughput } from '../whatsapp/throughput.js';
import { findConnection, restCredentials, twilioSecretBox } from './connection.service.js';
import { TwilioApiError, type TwilioRestClient } from './rest.client.js';
import { smsAdapter } from './sms-adapter.js';
import { smsSendMessageTask } from './sms-task-refs.js';
import { smsStatusUrl } from './sms-webhooks.routes.js';

/** What sending SMS needs in a worker process. */
export interface SmsOutbound {
  rest: TwilioRestClient;
  config: Pick<Config, 'http' | 'secretKey' | 'previousSecretKeys'>;
  /** The shared per-sender cap (counted across processes); none in tests of sending alone. */
  throughput?: Throughput;
  /**
   * How long a send whose outcome is unknown (a crash or lost answer after the request left) waits for a
   * status callback naming it before it is sent again.
   */
  inDoubtWaitMs?: number;
}

const DEFAULT_IN_DOUBT_WAIT_MS = 120_000;

export class SmsSendInDoubt extends Error {
  constructor() {
    super('an earlier SMS send may have reached Twilio; waiting for its status callback');
    this.name = 'SmsSendInDoubt';
  }
}

/** The row to send with its conversation's number and contact, marked as being sent (committed first). */
async function markForSend(ctx: TaskContext<'tenant'>, messageId: string, inDoubtWaitMs: number) {
  return ctx.withTenant(async (trx) => {
    const row = await trx
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversationId')
      .innerJoin('contacts', 'contacts.id', 'conversations.contactId')
      .innerJoin('twilioNumbers', 'twilioNumbers.id', 'conversations.smsNumberId')
      .select([
        'messages.id',
        'messages.direction',
        'messages.type',
        'messages.text',
        'messages.status',
        'messages.providerMessageId',
        'messages.sendStartedAt',
        'conversations.channelId as numberId',
        'contacts.phoneE164 as to',
        'twilioNumbers.phoneE164 as from',
      ])
      .where('messages.id', '=', messageId)
      .forUpdate('messages')
      .executeTakeFirst();
    if (row?.direction !== 'outbound' || row.providerMessageId || row.status !== 'pending') {
      return undefined;
    }
    if (row.sendStartedAt && Date.now() - row.sendStartedAt.getTime() < inDoubtWaitMs) {
      return 'in-doubt' as const;
    }
    await trx
      .updateTable('messages')
      .set({ sendStartedAt: sql<Date>`now()` })
      .where('id', '=', row.id)
      .execute();
    return { row, connection: await findConnection(trx) };
  });
}

/**
 * `sms.send-message`: one ledger row of an SMS conversation, POSTed to Twilio's Messages.json from the
 * number the conversation came in on, with a StatusCallback naming the row. Exactly once: the row is
 * marked before the request leaves; an answer saves the MessageSid (never sent again); a refused request
 * (429 / 20429, or nothing sent) is unmarked and retried; a failed one is recorded as failed; an unknown
 * outcome keeps the mark, and the retry waits for a status callback naming the row before sending again.
 */
export function createSmsSendMessageTask(outbound: SmsOutbound) {
  const box = twilioSecretBox(outbound.config);
  const inDoubtWaitMs = outbound.inDoubtWaitMs ?? DEFAULT_IN_DOUBT_WAIT_MS;
  return defineTask({
    ...smsSendMessageTask,
    async handle({ messageId, bulk }, ctx) {
      const marked = await markForSend(ctx, messageId, inDoubtWaitMs);
      if (!marked) return;
      if (marked === 'in-doubt') throw new SmsSendInDoubt();
      const { row, connection } = marked;
      const fail = (code: number | null, title: string) =>
        ctx.withTenant((trx) => markSendFailed(trx, messageId, { code, title }));
      const unmark = () =>
        ctx.withTenant((trx) =>
          trx
            .updateTable('messages')
            .set({ sendStartedAt: null })
            .where('id', '=', messageId)
            .where('providerMessageId', 'is', null)
            .execute(),
        );
      if (!connection) return fail(null, 'Twilio is not connected');
      if (row.type !== 'text' || !row.text) return fail(null, 'An SMS carries text only');
      try {
        await outbound.throughput?.acquire(
          `sms:${row.numberId}`,
          smsAdapter.defaultMessagesPerSecond,
          ctx.signal,
          bulk ? 'bulk' : 'conversation',
        );
      } catch (error) {
        await unmark();
        throw error;
      }
      let sid: string;
      try {
        ({ sid } = await outbound.rest.sendSms(restCredentials(box, connection), {
          to: row.to,
          from: row.from,
          body: row.text,
          statusCallback: smsStatusUrl(outbound.config, ctx.tenantId, row.numberId, messageId),
        }));
      } catch (error) {
        if (!(error instanceof TwilioApiError)) throw error;
        const unknown = error.cause instanceof OutboundError && error.cause.outcomeUnknown;
        if (unknown) {
          ctx.logger.warn({ messageId }, 'SMS send outcome unknown; in doubt until Twilio reports it');
          throw error;
        }
        if (error.retryable) {
          await unmark();
          throw error;
        }
        ctx.logger.warn({ messageId, code: error.code }, 'SMS send refused by Twilio');
        return fail(error.code ?? null, error.message.slice(0, 300));
      }
      await ctx.withTenant(async (trx) => {
        // A status callback may have come first: it set the sid and a later state, which stays.
        const saved = await trx
          .updateTable('messages')
          .set({
            providerMessageId: sid,
            status: sql<MessageStatus>`case when status = 'pending' then 'accepted' else status end`,
            statusAt: sql<Date>`coalesce(status_at, now())`,
            updatedAt: sql<Date>`now()`,
          })
          .where('id', '=', messageId)
          .returning('conversationId')
          .executeTakeFirst();
        if (saved) {
          await publishInboxEvent(trx, {
            type: 'message.updated',
            conversationId: saved.conversationId,
            messageId,
          });
        }
      });
    },
  });
}
