import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

/** Which Leadline field (or `custom:<key>`) goes to which HubSpot contact property. */
export type FieldMapping = Record<string, string>;

/** Per HubSpot property: which side wins when both changed (inbound webhooks). */
export type FieldOwnership = Record<string, 'leadline' | 'hubspot'>;

export interface HubspotConnectionsTable {
  tenantId: Generated<string>;
  /** Sealed with the secret box (purpose `hubspot-connection`). Never returned. */
  tokenSealed: string;
  portalId: ColumnType<string, string | number, string | number>;
  mapping: JsonColumn<FieldMapping>;
  ownership: JsonColumn<FieldOwnership, string>;
  webhookSecretSealed: string | null;
  verifiedAt: Date;
  lastSyncAt: Date | null;
  syncedTotal: ColumnType<string, never, string | number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type OutboxKind = 'contact' | 'deal';

export interface HubspotOutboxTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  kind: OutboxKind;
  refId: string;
  version: Generated<number>;
  attempts: Generated<number>;
  lastError: string | null;
  createdAt: Generated<Date>;
  changedAt: Generated<Date>;
}

export interface HubspotRecordsTable {
  tenantId: Generated<string>;
  kind: OutboxKind;
  refId: string;
  hubspotId: string;
  syncedAt: Generated<Date>;
}

export interface HubspotWebhookEventsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  body: JsonColumn<unknown>;
  receivedAt: Generated<Date>;
  processedAt: Date | null;
}

export type HubspotConnection = Selectable<HubspotConnectionsTable>;
export type OutboxRow = Selectable<HubspotOutboxTable>;
