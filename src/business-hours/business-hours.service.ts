import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { isOpen, nextOpening, type TBusinessHours, ZBusinessHours } from './calendar.js';

/** The calendar in force: a widget's override, else the workspace's; none configured means always open. */
export async function calendarFor(
  trx: TenantTransaction,
  widgetId: string | null,
): Promise<TBusinessHours | null> {
  // One statement: the widget's own row sorts before the workspace's (widget_id null).
  const row = await trx
    .selectFrom('businessHours')
    .select('calendar')
    .where((eb) =>
      widgetId
        ? eb.or([eb('widgetId', '=', widgetId), eb('widgetId', 'is', null)])
        : eb('widgetId', 'is', null),
    )
    .orderBy(sql`widget_id nulls last`)
    .limit(1)
    .executeTakeFirst();
  return row ? ZBusinessHours.parse(row.calendar) : null;
}

/**
 * The calendar as other domains use it (the agent's out-of-hours first reply, reports): open now, and
 * when it opens next. A workspace without a calendar is always open.
 */
export interface OpeningState {
  open: boolean;
  /** Now when open; null when the calendar never opens within a year. */
  nextOpening: Date | null;
  timeZone: string | null;
}

export async function openingState(
  trx: TenantTransaction,
  widgetId: string | null,
  at: Date = new Date(),
): Promise<OpeningState> {
  const calendar = await calendarFor(trx, widgetId);
  if (!calendar) return { open: true, nextOpening: at, timeZone: null };
  const open = isOpen(calendar, at);
  return { open, nextOpening: open ? at : nextOpening(calendar, at), timeZone: calendar.timeZone };
}
