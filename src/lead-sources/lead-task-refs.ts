import { z } from 'zod';
import type { TaskReference } from '../platform/jobs/task.js';

const ZDeliveryJob = z.object({ deliveryId: z.uuid() });

/** A signed lead delivery turned into a contact. */
export const processLeadTask = {
  id: 'lead_sources.process_lead',
  schema: ZDeliveryJob,
  maxAttempts: 10,
} satisfies TaskReference;

/** A Phantombuster result webhook: the agent's result CSV fetched and handed to the CSV import. */
export const importPhantombusterTask = {
  id: 'lead_sources.import_phantombuster',
  schema: ZDeliveryJob,
  maxAttempts: 8,
} satisfies TaskReference;
