import type { Generated, Insertable, Selectable } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  /** Members must use two-factor authentication to work in this tenant. */
  requireTwoFactor: Generated<boolean>;
  createdAt: Generated<Date>;
}

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
