import { sql } from 'kysely';
import { publishOutboundOutcomes } from '../../conversations/message-outcomes.js';
import { sealText } from '../../platform/crypto/field-codec.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import { isForward } from '../channel-adapter.js';
import { smsAdapter } from './sms-adapter.js';
import { smsConversationQueue, smsProcessInboundTask } from './sms-task-refs.js';

export interface InboundSms {
  numberId: string;
  messageSid: string;
  fromE164: string;
  body: string;
  params: Record<string, string | string[]>;
  idempotencyToken: string | null;
  requestId: string;
}

/** The workspace's SMS-capable Twilio number with this E.164 (the `To` of an inbound SMS). */
export async function findSmsNumber(trx: TenantTransaction, phoneE164: string) {
  return trx
    .selectFrom('twilioNumbers')
    .select(['id', 'phoneE164'])
    .where('phoneE164', '=', phoneE164)
    .where('sms', '=', true)
    .executeTakeFirst();
}

/**
 * Stores an inbound SMS's receipt and its conversation's processing job, in the caller's transaction
 * (committed before Twilio is answered). A repeated MessageSid (Twilio's retry, same idempotency token)
 * stores and enqueues nothing. Returns whether it was new.
 */
export async function storeInboundSms(trx: TenantTransaction, sms: InboundSms): Promise<boolean> {
  const conversationKey = sms.fromE164.slice(1);
  const stored = await trx
    .insertInto('smsInbound')
    .values({
      numberId: sms.numberId,
      messageSid: sms.messageSid,
      conversationKey,
      fromE164: sms.fromE164,
      // The text and Twilio's parameters are sealed with the workspace's data key (ADR 0036); the params
      // column holds the sealed text as a JSON string.
      body: await sealText(trx, 'sms_inbound.body', sms.body),
      params: JSON.stringify(await sealText(trx, 'sms_inbound.params', JSON.stringify(sms.params))),
      idempotencyToken: sms.idempotencyToken,
      requestId: sms.requestId,
      processedAt: null,
    })
    .onConflict((oc) => oc.columns(['numberId', 'messageSid']).doNothing())
    .returning('messageSid')
    .executeTakeFirst();
  if (!stored) return false;
  const queueName = smsConversationQueue(sms.numberId, conversationKey);
  // Keyed by the queue: pending work of one conversation coalesces into one job (a running one is
  // followed by a new one, see whatsapp/ingest.repository.ts).
  await enqueue(
    trx,
    smsProcessInboundTask,
    { numberId: sms.numberId, conversationKey },
    { requestId: sms.requestId, queueName, jobKey: queueName },
  );
  return true;
}

/**
 * Applies a Twilio status callback to the ledger row it names (the StatusCallback URL carries the row's
 * id): forward only, whatever the order callbacks arrive in. A callback that arrives before the send's
 * answer was saved gives the row its MessageSid, so the row is never sent again.
 */
export async function applySmsStatus(
  trx: TenantTransaction,
  input: {
    messageId: string;
    numberId: string;
    messageSid: string;
    status: string;
    errorCode: number | null;
  },
): Promise<'applied' | 'ignored' | 'unknown'> {
  const next = smsAdapter.deliveryState(input.status);
  const row = await trx
    .selectFrom('messages')
    .select(['id', 'conversationId', 'status', 'providerMessageId'])
    .where('id', '=', input.messageId)
    .where('channelId', '=', input.numberId)
    .where('direction', '=', 'outbound')
    .forUpdate()
    .executeTakeFirst();
  if (!row) return 'unknown';
  if (row.providerMessageId !== null && row.providerMessageId !== input.messageSid) return 'ignored';
  const current = row.status === 'pending' ? null : row.status;
  const forward = next !== undefined && next !== 'pending' && isForward(current, next);
  if (!forward && row.providerMessageId !== null) return 'ignored';
  await trx
    .updateTable('messages')
    .set({
      providerMessageId: input.messageSid,
      ...(forward
        ? {
            status: next,
            statusAt: sql<Date>`now()`,
            ...(next === 'failed'
              ? { errorCode: input.errorCode, errorTitle: `Twilio reported the message ${input.status}` }
              : {}),
          }
        : {}),
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', row.id)
    .execute();
  await publishInboxEvent(trx, {
    type: 'message.updated',
    conversationId: row.conversationId,
    messageId: row.id,
  });
  if (forward && next !== undefined) {
    await publishOutboundOutcomes(trx, [
      { messageId: row.id, status: next, errorCode: next === 'failed' ? input.errorCode : null },
    ]);
  }
  return forward ? 'applied' : 'ignored';
}
