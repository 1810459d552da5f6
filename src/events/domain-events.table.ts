import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';

export interface DomainEventsTable {
  id: ColumnType<string, never, never>;
  tenantId: Generated<string>;
  /** e.g. `profile.completed` (read by CRM sync). */
  type: string;
  subjectId: string;
  payload: JsonColumn<Record<string, unknown>, never>;
  occurredAt: Generated<Date>;
}

export type DomainEvent = Selectable<DomainEventsTable>;
