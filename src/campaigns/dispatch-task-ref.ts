import { z } from 'zod';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import type { TaskReference } from '../platform/jobs/task.js';

/**
 * A campaign's dispatcher: sends due queued recipients at the campaign's pace for a while, then queues
 * itself again while work remains. Runs in the campaign's own job queue: one dispatcher at a time.
 */
export const campaignDispatchTask = {
  id: 'campaigns.dispatch',
  schema: z.object({ campaignId: z.uuid() }),
  maxAttempts: 25,
  lane: 'outbound',
} satisfies TaskReference;

export function dispatchJobKey(campaignId: string): string {
  return `campaign-dispatch:${campaignId}`;
}

export function dispatchQueue(campaignId: string): string {
  return `campaign:${campaignId}`;
}

/** Queues the campaign's dispatcher (now or at `runAt`); its key replaces a waiting one, never adds a second. */
export async function enqueueDispatch(
  trx: TenantTransaction,
  campaignId: string,
  requestId: string,
  runAt?: Date,
) {
  await enqueue(
    trx,
    campaignDispatchTask,
    { campaignId },
    {
      requestId,
      jobKey: dispatchJobKey(campaignId),
      queueName: dispatchQueue(campaignId),
      ...(runAt ? { runAt } : {}),
    },
  );
}
