import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { GDPR_DELETE_TASK, hubspotQueue } from './hubspot.tasks.js';

/**
 * When HubSpot is connected, asks it to delete an erased contact (GDPR delete, by leadline_id) through a
 * retried job, and forgets what Leadline knew of the contact in HubSpot. True when a request was queued.
 * Safe to call again (the job key makes a second request a no-op while the first is pending).
 */
export async function requestHubspotErasure(
  trx: TenantTransaction,
  input: { tenantId: string; contactId: string; erasureId: string; requestId: string },
): Promise<boolean> {
  const connected = await trx.selectFrom('hubspotConnections').select('tenantId').executeTakeFirst();
  await trx
    .deleteFrom('hubspotOutbox')
    .where('kind', '=', 'contact')
    .where('refId', '=', input.contactId)
    .execute();
  await trx
    .deleteFrom('hubspotRecords')
    .where('kind', '=', 'contact')
    .where('refId', '=', input.contactId)
    .execute();
  if (!connected) return false;
  await enqueue(
    trx,
    GDPR_DELETE_TASK,
    { contactId: input.contactId, erasureId: input.erasureId },
    {
      requestId: input.requestId,
      queueName: hubspotQueue(input.tenantId),
      jobKey: `hubspot-gdpr:${input.contactId}`,
    },
  );
  return true;
}
