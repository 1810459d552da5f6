import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

export interface EnrichmentSettingsTable {
  tenantId: Generated<string>;
  enabled: boolean;
  /** Provider calls per calendar month (UTC); 0 stops enrichment without turning it off. */
  monthlyBudget: number;
  updatedAt: Generated<Date>;
}

export interface EnrichmentUsageTable {
  tenantId: Generated<string>;
  /** The first day of the month (UTC). */
  month: string;
  calls: Generated<number>;
}

export interface ContactEnrichmentsTable {
  tenantId: Generated<string>;
  contactId: string;
  provider: string;
  domain: string;
  status: 'found' | 'not_found';
  fields: JsonColumn<Record<string, unknown>>;
  fetchedAt: Generated<Date>;
}
export type ContactEnrichment = Selectable<ContactEnrichmentsTable>;
