import type { Generated, Selectable } from 'kysely';
import type { TBusinessHours } from './calendar.js';

export interface BusinessHoursTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  /** Null: the workspace's calendar; otherwise a widget's override. */
  widgetId: string | null;
  calendar: TBusinessHours;
  updatedAt: Generated<Date>;
}

export type BusinessHoursRow = Selectable<BusinessHoursTable>;
