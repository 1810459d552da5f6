import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { type BatchJob, enqueueMany } from '../../platform/jobs/enqueue.js';
import { applyStatusesTask, conversationQueue, processInboundTask } from './task-refs.js';
import type { ExtractedDelivery } from './webhook-payload.js';

export interface VerifiedDelivery {
  channelId: string;
  requestId: string;
  /** The raw bytes Meta signed. */
  body: Buffer;
  extracted: ExtractedDelivery;
}

const CHUNK = 1_000;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) result.push(items.slice(i, i + CHUNK));
  return result;
}

/**
 * Stores one tenant's verified deliveries: the raw events, a receipt per new inbound message, the status
 * callbacks, and one job per touched conversation (processing) and channel (statuses), all in the
 * caller's transaction. Repeated wamids and statuses are no-ops (`on conflict do nothing`), and a repeat
 * that adds nothing enqueues nothing.
 */
export async function storeDeliveries(
  trx: TenantTransaction,
  deliveries: readonly VerifiedDelivery[],
): Promise<void> {
  // INSERT ... VALUES ... RETURNING yields rows in VALUES order in PostgreSQL, which pairs ids with inputs.
  const events = await trx
    .insertInto('whatsappWebhookEvents')
    .values(deliveries.map((d) => ({ channelId: d.channelId, requestId: d.requestId, body: d.body })))
    .returning('id')
    .execute();

  const inbound = deliveries.flatMap((delivery, index) =>
    delivery.extracted.inbound.map((receipt) => ({
      channelId: delivery.channelId,
      providerMessageId: receipt.providerMessageId,
      conversationKey: receipt.conversationKey,
      eventId: events[index]?.id as string,
      sentAt: receipt.sentAt,
      message: JSON.stringify(receipt.message),
      profile: receipt.profile ? JSON.stringify(receipt.profile) : null,
    })),
  );
  const statuses = deliveries.flatMap((delivery, index) =>
    delivery.extracted.statuses.map((status) => ({
      channelId: delivery.channelId,
      providerMessageId: status.providerMessageId,
      status: status.status,
      occurredAt: status.occurredAt,
      recipientId: status.recipientId,
      errors: status.errors ? JSON.stringify(status.errors) : null,
      eventId: events[index]?.id as string,
    })),
  );

  // A fixed order for the rows and keys that concurrent batches may both lock (a repeated delivery, one
  // conversation's job) keeps them from deadlocking each other.
  inbound.sort((a, b) => compare(a.channelId + a.providerMessageId, b.channelId + b.providerMessageId));
  statuses.sort((a, b) => compare(a.channelId + a.providerMessageId, b.channelId + b.providerMessageId));
  const jobs = new Map<string, BatchJob>();
  const requestId = deliveries[0]?.requestId ?? 'webhook';
  for (const rows of chunks(inbound)) {
    const stored = await trx
      .insertInto('whatsappInbound')
      .values(rows)
      .onConflict((oc) => oc.columns(['channelId', 'providerMessageId']).doNothing())
      .returning(['channelId', 'conversationKey'])
      .execute();
    for (const { channelId, conversationKey } of stored) {
      const queueName = conversationQueue(channelId, conversationKey);
      jobs.set(queueName, {
        task: processInboundTask,
        payload: { channelId, conversationKey },
        // The key coalesces pending work of one conversation into one job. graphile-worker's add_jobs
        // (0.17, sql/000012) clears the key of a job that is already running and adds a new one, so a
        // receipt committed while its conversation is being processed is never left without a job.
        options: { requestId, queueName, jobKey: queueName },
      });
    }
  }
  for (const rows of chunks(statuses)) {
    const stored = await trx
      .insertInto('whatsappStatusEvents')
      .values(rows)
      .onConflict((oc) => oc.columns(['channelId', 'providerMessageId', 'status']).doNothing())
      .returning('channelId')
      .execute();
    for (const { channelId } of stored) {
      const jobKey = `wa-statuses:${channelId}`;
      jobs.set(jobKey, { task: applyStatusesTask, payload: { channelId }, options: { requestId, jobKey } });
    }
  }
  await enqueueMany(
    trx,
    [...jobs.entries()].sort(([a], [b]) => compare(a, b)).map(([, job]) => job),
  );
}
