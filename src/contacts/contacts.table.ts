import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface ContactsTable {
  id: Generated<string>;
  /** Defaults to the transaction's tenant (app_current_tenant()); row-level security checks it. */
  tenantId: Generated<string>;
  phoneE164: string;
  displayName: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Contact = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type ContactUpdate = Updateable<ContactsTable>;
