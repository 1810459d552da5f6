import { z } from 'zod';
import type { TaskReference } from '../../platform/jobs/task.js';

/** The company of a contact looked up from their e-mail domain (once per contact and domain). */
export const enrichCompanyTask = {
  id: 'contacts.enrich_company',
  schema: z.object({ contactId: z.uuid() }),
  maxAttempts: 5,
} satisfies TaskReference;
