import {
  addDays,
  fromLocal,
  isoDate,
  type LocalDate,
  toLocal,
  weekday,
} from '../business-hours/zoned-time.js';
import type { AutomationTrigger } from './rule-schema.js';

type ScheduleTrigger = Extract<AutomationTrigger, { type: 'schedule' }>;

/** How often the sweep looks at a rule whose trigger is a time window (silence, stage, quote, campaign). */
export const EVENT_RULE_INTERVAL_MS = 60_000;

/**
 * The first occurrence of a daily or weekly schedule strictly after `after`, at its wall-clock time in
 * `timeZone` (a time skipped by a DST change moves forward, as the business-hours calendar does).
 */
export function nextOccurrence(trigger: ScheduleTrigger, timeZone: string, after: Date): Date {
  const [hour, minute] = trigger.time.split(':').map(Number) as [number, number];
  const today: LocalDate = toLocal(after, timeZone);
  for (let days = 0; days <= 8; days++) {
    const date = addDays(today, days);
    if (trigger.frequency === 'weekly' && weekday(date) !== trigger.weekday) continue;
    const at = fromLocal({ ...date, hour, minute }, timeZone);
    if (at > after) return at;
  }
  throw new Error('no occurrence within 8 days');
}

/** The window of an occurrence: its local date (a rule acts once per contact per scheduled day). */
export function occurrenceKey(occurrence: Date, timeZone: string): string {
  return `day:${isoDate(toLocal(occurrence, timeZone))}`;
}

/** When the sweep should next look at a rule enabled at `now`. */
export function firstRunAt(trigger: AutomationTrigger, timeZone: string, now: Date): Date {
  return trigger.type === 'schedule' ? nextOccurrence(trigger, timeZone, now) : now;
}

/** The start of the local day containing `now` (daily caps count from here). */
export function startOfLocalDay(now: Date, timeZone: string): Date {
  return fromLocal({ ...toLocal(now, timeZone), hour: 0, minute: 0 }, timeZone);
}
