import { sql } from 'kysely';
import { envelopeToText } from '../../platform/crypto/envelope.js';
import { sealBuffersOutside } from '../../platform/crypto/field-codec.js';
import type { Db } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/tenant-context.js';
import { type JobSpec, jobSpec } from '../../platform/jobs/enqueue.js';
import { applyStatusesTask, conversationQueue, processInboundTask } from './task-refs.js';
import type { ExtractedDelivery } from './webhook-payload.js';

export interface VerifiedDelivery {
  channelId: string;
  requestId: string;
  /** The raw bytes Meta signed. */
  body: Buffer;
  extracted: ExtractedDelivery;
}

/**
 * Stores one tenant's verified deliveries in one statement, in autocommit (its own transaction, committed
 * when this resolves): the raw events, a receipt per new inbound message, the status callbacks, and one
 * job per touched conversation (processing) and channel (statuses). Repeated wamids and statuses are
 * no-ops, and a repeat that adds nothing enqueues nothing. The work is the database function
 * `whatsapp_ingest` (migration 20261130_1200), which binds the statement to `tenantId` itself
 * (transaction-local) and runs under row-level security as the caller.
 */
export async function storeTenantDeliveries(
  db: Db,
  tenantId: string,
  deliveries: readonly VerifiedDelivery[],
): Promise<void> {
  if (!isUuid(tenantId)) throw new Error('storeTenantDeliveries needs a tenant id');
  // The raw bodies and each receipt's message are stored encrypted under the workspace's data key (ADR
  // 0036); a receipt's message column holds the sealed text as a JSON string.
  const sealed = await sealBuffersOutside(
    db,
    tenantId,
    'whatsapp_webhook_events.body',
    deliveries.map((d) => d.body),
  );
  const messages = deliveries.flatMap((d) => d.extracted.inbound.map((r) => JSON.stringify(r.message)));
  const sealedMessages = (
    await sealBuffersOutside(
      db,
      tenantId,
      'whatsapp_inbound.message',
      messages.map((m) => Buffer.from(m, 'utf8')),
    )
  ).map(envelopeToText);
  await ingest(tenantId, deliveries, sealed, sealedMessages).execute(db);
}

/**
 * The statement's arguments: the events as parallel arrays (a Buffer[] goes as bytea[]), the receipts and
 * statuses as JSON, each naming its delivery by position and the key of the job it asks for, and each
 * candidate job's spec once (the function adds only those a stored row asks for). Names of tasks and
 * queues, job keys and payloads are all decided here, as enqueueing would.
 */
function ingest(
  tenantId: string,
  deliveries: readonly VerifiedDelivery[],
  bodies: readonly Buffer[],
  messages: readonly string[],
) {
  let receiptIndex = 0;
  // One requestId for the batch's jobs, as before: the request that opened the group.
  const requestId = deliveries[0]?.requestId ?? 'webhook';
  const jobs = new Map<string, JobSpec>();
  const receipts: object[] = [];
  const statuses: object[] = [];
  deliveries.forEach(({ channelId, extracted }, event) => {
    for (const receipt of extracted.inbound) {
      const queueName = conversationQueue(channelId, receipt.conversationKey);
      if (!jobs.has(queueName)) {
        jobs.set(
          queueName,
          jobSpec({
            task: processInboundTask,
            payload: { channelId, conversationKey: receipt.conversationKey },
            // The key coalesces pending work of one conversation into one job. graphile-worker's add_jobs
            // (0.17, sql/000012) clears the key of a job that is already running and adds a new one, so a
            // receipt committed while its conversation is being processed is never left without a job.
            options: { requestId, queueName, jobKey: queueName },
          }),
        );
      }
      receipts.push({
        event,
        channel_id: channelId,
        provider_message_id: receipt.providerMessageId,
        conversation_key: receipt.conversationKey,
        sent_at: receipt.sentAt,
        message: messages[receiptIndex++],
        profile: receipt.profile ?? undefined,
        job_key: queueName,
      });
    }
    for (const status of extracted.statuses) {
      const jobKey = `wa-statuses:${channelId}`;
      if (!jobs.has(jobKey)) {
        jobs.set(
          jobKey,
          jobSpec({ task: applyStatusesTask, payload: { channelId }, options: { requestId, jobKey } }),
        );
      }
      statuses.push({
        event,
        channel_id: channelId,
        provider_message_id: status.providerMessageId,
        status: status.status,
        occurred_at: status.occurredAt,
        recipient_id: status.recipientId ?? undefined,
        errors: status.errors ?? undefined,
        callback_data: status.callbackData ?? undefined,
        job_key: jobKey,
      });
    }
  });
  return sql`select whatsapp_ingest(
    ${tenantId}::uuid,
    ${deliveries.map((d) => d.channelId)}::uuid[],
    ${deliveries.map((d) => d.requestId)}::text[],
    ${bodies}::bytea[],
    ${JSON.stringify(receipts)}::json,
    ${JSON.stringify(statuses)}::json,
    ${JSON.stringify([...jobs.values()])}::json
  )`;
}
