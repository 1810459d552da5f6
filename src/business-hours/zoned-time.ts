/** A wall-clock date in some time zone (month 1-12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for a time zone name the runtime's ICU data knows (IANA names such as Europe/Rome). */
export function isTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `timeZone` at `instant` (seconds dropped). */
export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
}

/** Milliseconds the zone is ahead of UTC at `epochMs`. */
function offsetAt(epochMs: number, timeZone: string): number {
  const rounded = Math.floor(epochMs / 60_000) * 60_000;
  const local = toLocal(new Date(rounded), timeZone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute) - rounded;
}

function sameWallTime(epochMs: number, wanted: LocalDateTime, timeZone: string): boolean {
  const local = toLocal(new Date(epochMs), timeZone);
  return (
    local.year === wanted.year &&
    local.month === wanted.month &&
    local.day === wanted.day &&
    local.hour === wanted.hour &&
    local.minute === wanted.minute
  );
}

/**
 * The instant a wall-clock time names in `timeZone`, disambiguated as Temporal's `compatible` does: a
 * time repeated when clocks go back is its first occurrence; a time skipped when they go forward moves
 * forward by the gap (02:30 on a spring-forward night in Rome is 03:30). 24:00 is the next midnight.
 */
export function fromLocal(wall: LocalDateTime, timeZone: string): Date {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const wanted = toLocal(new Date(guess), 'UTC');
  // DST changes are months apart, so the offsets a day either side are the two that can apply.
  const before = offsetAt(guess - 86_400_000, timeZone);
  const after = offsetAt(guess + 86_400_000, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => guess - offset)
    .filter((candidate) => sameWallTime(candidate, wanted, timeZone));
  if (matches.length > 0) return new Date(Math.min(...matches));
  return new Date(guess - before);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

export function isoDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
