import Holidays from 'date-holidays';

export interface Holiday {
  /** The local date, YYYY-MM-DD. */
  date: string;
  name: string;
}

const cache = new Map<string, Holiday[]>();

/**
 * Public holidays (date-holidays type `public`; bank, school and observance days stay open) of a country
 * and optional region in one year, by local date. Computed once per (country, region, year, language).
 */
export function publicHolidays(
  country: string,
  region: string | undefined,
  year: number,
  language = 'en',
): Holiday[] {
  const key = `${country}/${region ?? ''}/${year}/${language}`;
  let holidays = cache.get(key);
  if (!holidays) {
    const calendar = region ? new Holidays(country, region) : new Holidays(country);
    holidays = (calendar.getHolidays(year, language) || [])
      .filter((holiday) => holiday.type === 'public')
      .map((holiday) => ({ date: holiday.date.slice(0, 10), name: holiday.name }));
    cache.set(key, holidays);
  }
  return holidays;
}

/** True when date-holidays knows the country (and the region within it, when one is given). */
export function knownHolidayRegion(country: string, region: string | undefined): boolean {
  const countries = new Holidays().getCountries();
  if (!countries?.[country]) return false;
  if (!region) return true;
  return Boolean(new Holidays().getStates(country)?.[region]);
}
