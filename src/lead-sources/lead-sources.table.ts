import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';

export const LEAD_SOURCE_KINDS = ['webhook', 'phantombuster'] as const;
export type LeadSourceKind = (typeof LEAD_SOURCE_KINDS)[number];

export interface LeadSourcesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  kind: LeadSourceKind;
  /** The HMAC secret of a `webhook` source, sealed (SecretBox purpose `lead-source`). */
  secretSealed: string | null;
  /** The secret before the last rotation, valid until `previousSecretExpiresAt`. */
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  /** The Phantombuster agent whose results this source imports. */
  phantombusterAgentId: string | null;
  /** The Phantombuster API key the results are fetched with, sealed. */
  phantombusterKeySealed: string | null;
  /** The country of phone numbers written without one (Phantombuster's CSVs). */
  defaultCountry: string | null;
  disabledAt: Date | null;
  lastReceivedAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type LeadSource = Selectable<LeadSourcesTable>;

export type LeadDeliveryStatus = 'received' | 'processed' | 'rejected';

export interface LeadDeliveriesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  sourceId: string;
  idempotencyKey: string;
  /** SHA-256 of the raw body: the same key with another body is a conflict. */
  bodySha256: Buffer;
  payload: JsonColumn<Record<string, unknown>>;
  status: Generated<LeadDeliveryStatus>;
  contactId: string | null;
  importId: string | null;
  error: string | null;
  receivedAt: Generated<Date>;
  processedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export type LeadDelivery = Selectable<LeadDeliveriesTable>;
