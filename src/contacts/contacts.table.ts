import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ChannelKind } from '../channels/channel-adapter.js';

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
  /** The channel kinds the contact opted out of (STOP); kept with `contact_channel_opt_outs` (ADR 0027). */
  optedOutChannels: Generated<ChannelKind[]>;
  /** Generated, lower case: names, e-mail, company and phone digits, for substring search (trigram index). */
  searchText: ColumnType<string, never, never>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Contact = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type ContactUpdate = Updateable<ContactsTable>;

export type OptOutState = 'opted_out' | 'opted_in';
export type OptOutSource = 'keyword' | 'operator' | 'api' | 'import';

/** Every opt-out and opt-in of a contact on a channel kind, oldest first by id (append-only). */
export interface ContactChannelOptOutsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  contactId: string;
  channelKind: ChannelKind;
  state: OptOutState;
  source: OptOutSource;
  keyword: string | null;
  messageId: string | null;
  createdAt: Generated<Date>;
}

export type ContactChannelOptOut = Selectable<ContactChannelOptOutsTable>;
