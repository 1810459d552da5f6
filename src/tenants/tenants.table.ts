import type { Generated, Insertable, Selectable } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  createdAt: Generated<Date>;
}

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
