import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';
import type { TBusinessHours } from './calendar.js';

export interface BusinessHoursTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  /** Null: the workspace's calendar; otherwise a widget's override. */
  widgetId: string | null;
  calendar: JsonColumn<TBusinessHours>;
  updatedAt: Generated<Date>;
}

export type BusinessHoursRow = Selectable<BusinessHoursTable>;
