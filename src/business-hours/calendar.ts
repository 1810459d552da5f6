import { z } from 'zod';
import { knownHolidayRegion, publicHolidays } from './holidays.js';
import { addDays, fromLocal, isoDate, isTimeZone, type LocalDate, toLocal, weekday } from './zoned-time.js';

const ZClock = z
  .string()
  .regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be HH:MM (00:00 to 24:00)');
const ZIsoDate = z.iso.date();

/** One opening on a day, in local wall-clock time; it ends before midnight (24:00 at the latest). */
export const ZInterval = z
  .strictObject({ start: ZClock, end: ZClock })
  .refine((interval) => interval.start < interval.end, 'end must be after start');

const ZDayIntervals = z
  .array(ZInterval)
  .max(8)
  .refine((intervals) => {
    const sorted = [...intervals].sort((a, b) => a.start.localeCompare(b.start));
    return sorted.every((interval, index) => index === 0 || (sorted[index - 1]?.end ?? '') <= interval.start);
  }, 'intervals must not overlap');

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A weekly calendar in one IANA time zone, with public holidays, closures and special openings. */
export const ZBusinessHours = z
  .strictObject({
    timeZone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/Rome'),
    weekly: z.strictObject(
      Object.fromEntries(WEEKDAYS.map((day) => [day, ZDayIntervals.default([])])) as Record<
        (typeof WEEKDAYS)[number],
        z.ZodDefault<typeof ZDayIntervals>
      >,
    ),
    holidays: z
      .strictObject({
        country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
        region: z
          .string()
          .regex(/^[A-Z0-9]{1,3}$/, 'must be a region code such as SP')
          .optional(),
      })
      .refine(
        (holidays) => knownHolidayRegion(holidays.country, holidays.region),
        'unknown country or region',
      )
      .nullable()
      .default(null),
    /** Whole local days closed (on top of holidays). */
    closures: z
      .array(z.strictObject({ date: ZIsoDate, note: z.string().max(200).optional() }))
      .max(366)
      .default([]),
    /** Local days with their own intervals, replacing the weekly ones, even on a holiday or a closure. */
    specialOpenings: z
      .array(z.strictObject({ date: ZIsoDate, intervals: ZDayIntervals.refine((list) => list.length > 0) }))
      .max(366)
      .default([]),
  })
  .meta({ id: 'BusinessHours' });

export type TBusinessHours = z.infer<typeof ZBusinessHours>;
export type TBusinessHoursInput = z.input<typeof ZBusinessHours>;

/** How far ahead nextOpening looks: a calendar with no opening in a year is treated as never open. */
const HORIZON_DAYS = 400;

function clock(value: string): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = value.split(':').map(Number);
  return { hour, minute };
}

/** The local intervals of one day: a special opening, else nothing on a closure or holiday, else weekly. */
export function intervalsOn(hours: TBusinessHours, date: LocalDate): z.infer<typeof ZInterval>[] {
  const iso = isoDate(date);
  const special = hours.specialOpenings.find((opening) => opening.date === iso);
  if (special) return special.intervals;
  if (hours.closures.some((closure) => closure.date === iso)) return [];
  if (
    hours.holidays &&
    publicHolidays(hours.holidays.country, hours.holidays.region, date.year).some((h) => h.date === iso)
  ) {
    return [];
  }
  const day = WEEKDAYS[weekday(date)] ?? 'sun';
  return hours.weekly[day];
}

/** The openings of one local day as instants, in order. */
function openingsOn(hours: TBusinessHours, date: LocalDate): { start: Date; end: Date }[] {
  return intervalsOn(hours, date)
    .map((interval) => ({
      start: fromLocal({ ...date, ...clock(interval.start) }, hours.timeZone),
      end: fromLocal({ ...date, ...clock(interval.end) }, hours.timeZone),
    }))
    .filter((opening) => opening.end > opening.start)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** True when the calendar is open at `at`. */
export function isOpen(hours: TBusinessHours, at: Date): boolean {
  const today = toLocal(at, hours.timeZone);
  // Yesterday too: on a fall-back night the local day's last interval can end after local midnight.
  for (const date of [addDays(today, -1), today]) {
    if (openingsOn(hours, date).some((opening) => opening.start <= at && at < opening.end)) return true;
  }
  return false;
}

/**
 * Seconds the calendar is open between `from` and `to` (0 when `to` is not after `from`): a wait counted in
 * business time, as the reports' business-hours option measures response times. Bounded to HORIZON_DAYS.
 */
export function openSecondsBetween(hours: TBusinessHours, from: Date, to: Date): number {
  if (to <= from) return 0;
  let openMs = 0;
  const first = addDays(toLocal(from, hours.timeZone), -1);
  for (let offset = 0; offset <= HORIZON_DAYS; offset += 1) {
    const day = addDays(first, offset);
    for (const opening of openingsOn(hours, day)) {
      const start = Math.max(opening.start.getTime(), from.getTime());
      const end = Math.min(opening.end.getTime(), to.getTime());
      if (end > start) openMs += end - start;
    }
    // Intervals end by local midnight (24:00 at the latest): no later day can overlap [from, to).
    if (fromLocal({ ...addDays(day, 1), hour: 0, minute: 0 }, hours.timeZone) >= to) break;
  }
  return Math.floor(openMs / 1000);
}

/**
 * The next time the calendar is open, from `from` on: `from` itself when open now, otherwise the start of
 * the next interval; null when nothing opens within about a year (a calendar with no hours at all).
 */
export function nextOpening(hours: TBusinessHours, from: Date): Date | null {
  const first = addDays(toLocal(from, hours.timeZone), -1);
  for (let offset = 0; offset <= HORIZON_DAYS; offset += 1) {
    for (const opening of openingsOn(hours, addDays(first, offset))) {
      if (opening.end <= from) continue;
      return opening.start > from ? opening.start : from;
    }
  }
  return null;
}

/** The public holidays from `from`'s local date on, at most `limit` (for the hours editor). */
export function upcomingHolidays(
  hours: TBusinessHours,
  from: Date,
  limit: number,
  language = 'en',
): { date: string; name: string }[] {
  if (!hours.holidays) return [];
  const today = isoDate(toLocal(from, hours.timeZone));
  const year = Number(today.slice(0, 4));
  const { country, region } = hours.holidays;
  return [
    ...publicHolidays(country, region, year, language),
    ...publicHolidays(country, region, year + 1, language),
  ]
    .filter((holiday) => holiday.date >= today)
    .slice(0, limit);
}
