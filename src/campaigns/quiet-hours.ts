import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import moment from 'moment-timezone';
import { fromLocal, toLocal } from '../business-hours/zoned-time.js';

const zoneOfCountry = new Map<string, string | null>();

/**
 * The time zone a number's country most likely means: the country's most common UTC offset among its
 * zones (São Paulo for Brazil, New York for the US), since a number tells the country, not the city.
 */
export function zoneOfNumber(phoneE164: string): string | null {
  const country = parsePhoneNumberFromString(phoneE164)?.country;
  if (!country) return null;
  const known = zoneOfCountry.get(country);
  if (known !== undefined) return known;
  const zones = moment.tz.zonesForCountry(country, true) ?? [];
  const byOffset = new Map<number, string[]>();
  for (const zone of zones) byOffset.set(zone.offset, [...(byOffset.get(zone.offset) ?? []), zone.name]);
  let best: string[] = [];
  for (const names of byOffset.values()) if (names.length > best.length) best = names;
  const zone = best[0] ?? null;
  zoneOfCountry.set(country, zone);
  return zone;
}

/**
 * When a send to this number may go: `at` itself outside quiet hours (minutes after local midnight,
 * `start` to `end`, possibly across midnight), else the end of the quiet hours in the recipient's zone.
 * A number whose zone is unknown is not held back.
 */
export function nextSendableAt(
  phoneE164: string,
  quiet: { start: number; end: number } | null,
  at: Date,
): Date {
  if (!quiet || quiet.start === quiet.end) return at;
  const zone = zoneOfNumber(phoneE164);
  if (!zone) return at;
  const local = toLocal(at, zone);
  const minute = local.hour * 60 + local.minute;
  const acrossMidnight = quiet.start > quiet.end;
  const inQuiet = acrossMidnight
    ? minute >= quiet.start || minute < quiet.end
    : minute >= quiet.start && minute < quiet.end;
  if (!inQuiet) return at;
  // The end falls today when it is still ahead, else tomorrow (21:00–09:00 at 22:30 ends tomorrow 09:00).
  const endsTomorrow = minute >= quiet.end;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0)));
  return fromLocal(
    {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
      hour: Math.floor(quiet.end / 60),
      minute: quiet.end % 60,
    },
    zone,
  );
}
