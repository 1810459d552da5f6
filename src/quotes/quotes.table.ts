import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';
import type { QuoteStatus } from './quote-state.js';

/** bigint columns: pg returns them as strings; we write numbers or strings. */
export type Bigint = ColumnType<string, number | string | bigint, number | string | bigint>;
export type NullableBigint = ColumnType<
  string | null,
  number | string | bigint | null | undefined,
  number | string | bigint | null
>;

export interface QuoteSettingsTable {
  tenantId: Generated<string>;
  currency: Generated<string>;
  locale: Generated<string>;
  approvalMode: Generated<'always' | 'auto_below'>;
  autoApproveBelowMinor: NullableBigint;
  drafterCannotApprove: Generated<boolean>;
  reminderAfterMinutes: Generated<number>;
  validityDays: Generated<number>;
  messageTemplate: string | null;
  documentTemplate: string | null;
  logo: Buffer | null;
  logoType: 'image/png' | 'image/jpeg' | null;
  /** Meta's approved template (DOCUMENT header, body {{1}} = the link) used outside the customer window. */
  whatsappTemplateName: ColumnType<string | null, string | null | undefined, string | null>;
  whatsappTemplateLanguage: ColumnType<string | null, string | null | undefined, string | null>;
  updatedAt: Generated<Date>;
}
export type QuoteSettingsRow = Selectable<QuoteSettingsTable>;

export interface CatalogItemsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  sku: string;
  name: string;
  description: Generated<string>;
  unit: Generated<string>;
  unitPriceMinor: Bigint;
  /** Basis points: 2200 is 22 %. */
  taxRateBp: Generated<number>;
  active: Generated<boolean>;
  category: string | null;
  /** Free-form variants shown to the operator (e.g. colours): a list of short strings. */
  options: JsonColumn<string[]>;
  searchText: ColumnType<string, never, never>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type CatalogItem = Selectable<CatalogItemsTable>;

export interface QuoteCountersTable {
  tenantId: Generated<string>;
  year: number;
  lastNumber: number;
}

export interface QuotesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  number: string;
  contactId: string | null;
  conversationId: string | null;
  currentVersion: Generated<number>;
  createdByUserId: string | null;
  createdAt: Generated<Date>;
}
export type Quote = Selectable<QuotesTable>;

export interface QuoteVersionsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  quoteId: string;
  version: number;
  status: QuoteStatus;
  statusChangedAt: Generated<Date>;
  currency: string;
  locale: string;
  /** A calendar date, YYYY-MM-DD (stored as checked text: a pg date would come back as a local Date). */
  validUntil: string;
  notes: Generated<string>;
  discountBp: Generated<number>;
  subtotalMinor: Bigint;
  discountMinor: Bigint;
  taxMinor: Bigint;
  totalMinor: Bigint;
  manualPriceChange: Generated<boolean>;
  draftedByUserId: string | null;
  approvedByUserId: string | null;
  sentAt: Date | null;
  /** Reminder mails sent to approvers for this version (capped). */
  reminderMails: Generated<number>;
  createdAt: Generated<Date>;
}
export type QuoteVersion = Selectable<QuoteVersionsTable>;

export interface QuoteLinesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  quoteVersionId: string;
  position: number;
  catalogItemId: string | null;
  sku: string;
  name: string;
  unit: string;
  unitPriceMinor: Bigint;
  /** The catalog's price when the line was drafted; differs from unitPriceMinor after a manual change. */
  catalogPriceMinor: NullableBigint;
  taxRateBp: number;
  /** Thousandths of a unit: 2.5 m² is 2500. */
  quantityMilli: Bigint;
  discountBp: Generated<number>;
  note: Generated<string>;
  /** The customer message the line was drafted from, when a drafter proposed it. */
  sourceMessageId: string | null;
}
export type QuoteLine = Selectable<QuoteLinesTable>;

export interface QuoteDocumentsTable {
  quoteVersionId: string;
  tenantId: Generated<string>;
  pdf: Buffer;
  sha256: Buffer;
  createdAt: Generated<Date>;
}

export interface QuoteDecisionsTable {
  quoteVersionId: string;
  tenantId: Generated<string>;
  decision: 'accepted' | 'declined';
  customerName: string | null;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  pdfSha256: Buffer | null;
  /** Where the customer decided: the public page (`link`) or a WhatsApp reply button. */
  channel: Generated<'link' | 'whatsapp'>;
  /** The wamid of the customer's button reply, for a WhatsApp decision. */
  channelMessageId: ColumnType<string | null, string | null | undefined, string | null>;
  decidedAt: Generated<Date>;
}
export type QuoteDecision = Selectable<QuoteDecisionsTable>;
