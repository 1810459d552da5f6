import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';

export const CONTACT_SOURCES = ['whatsapp', 'sms', 'widget', 'import', 'api', 'campaign'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

export interface ContactsTable {
  id: Generated<string>;
  /** Defaults to the transaction's tenant (app_current_tenant()); row-level security checks it. */
  tenantId: Generated<string>;
  phoneE164: string;
  /** The WhatsApp profile name. */
  displayName: string | null;
  /** The id WhatsApp reports for this person (may differ from the E.164 digits, e.g. Brazil's 9th digit). */
  waId: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** Canonical (trimmed, lower-case domain). */
  email: string | null;
  /** Set once, when every required field is known. */
  profileCompletedAt: Date | null;
  /** The customer said they have no company (a freelancer, "MEI", ...): the company is known to be none. */
  companyNone: Generated<boolean>;
  /** When the customer answered yes to the qualifier's summary (workspaces with that step on). */
  profileConfirmedAt: Generated<Date | null>;
  /** The pipeline stage; null means the workspace's first stage. */
  stageId: Generated<string | null>;
  /** The member who owns the lead (cleared when the membership ends). */
  ownerUserId: Generated<string | null>;
  /** Where the lead came from; set once, when the contact is created. */
  source: Generated<ContactSource | null>;
  /** Custom field values keyed by the definition's stable key (validated by custom-fields.ts). */
  customFields: JsonColumn<Record<string, unknown>>;
  /** Generated, lower case: names, e-mail, company and phone digits, for substring search (trigram index). */
  searchText: ColumnType<string, never, never>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Contact = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type ContactUpdate = Updateable<ContactsTable>;
