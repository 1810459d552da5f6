import type { ContactsTable } from '../../contacts/contacts.table.js';
import type { TenantsTable } from '../../tenants/tenants.table.js';
import type { WorkerHeartbeatsTable } from '../jobs/worker-heartbeats.table.js';

/** The database as the application sees it (camelCase; CamelCasePlugin maps to snake_case). */
export interface Database {
  tenants: TenantsTable;
  contacts: ContactsTable;
  workerHeartbeats: WorkerHeartbeatsTable;
}
