import { describe, expect, it } from 'vitest';
import {
  isOpen,
  nextOpening,
  openSecondsBetween,
  type TBusinessHoursInput,
  upcomingHolidays,
  ZBusinessHours,
} from './calendar.js';
import { fromLocal } from './zoned-time.js';

const officeDay = [
  { start: '09:00', end: '13:00' },
  { start: '14:00', end: '18:00' },
];
const weekdays = { mon: officeDay, tue: officeDay, wed: officeDay, thu: officeDay, fri: officeDay };

function calendar(input: TBusinessHoursInput) {
  return ZBusinessHours.parse(input);
}
const at = (iso: string) => new Date(iso);

describe('Business hours in Europe/Rome', () => {
  const rome = calendar({ timeZone: 'Europe/Rome', weekly: weekdays, holidays: { country: 'IT' } });

  it('opens on Monday at 09:00 local across the spring-forward weekend (UTC+1 before, UTC+2 after)', () => {
    expect(nextOpening(rome, at('2026-03-27T07:30:00Z'))).toEqual(at('2026-03-27T08:00:00Z'));
    expect(nextOpening(rome, at('2026-03-27T17:30:00Z'))).toEqual(at('2026-03-30T07:00:00Z'));
    expect(isOpen(rome, at('2026-03-30T06:59:00Z'))).toBe(false);
    expect(isOpen(rome, at('2026-03-30T07:00:00Z'))).toBe(true);
    expect(isOpen(rome, at('2026-03-30T11:30:00Z'))).toBe(false); // lunch, 13:30 local
  });

  it('counts only open time between two instants (response times in business hours)', () => {
    // Friday 12:30 local (UTC+2 in June) to Monday 09:30: 30 min before lunch, 4 h after, 30 min on Monday.
    expect(openSecondsBetween(rome, at('2026-06-12T10:30:00Z'), at('2026-06-15T07:30:00Z'))).toBe(5 * 3600);
    // Within one interval, it is the wall-clock wait.
    expect(openSecondsBetween(rome, at('2026-06-10T08:15:00Z'), at('2026-06-10T08:20:30Z'))).toBe(330);
    // Entirely at night, or reversed: nothing.
    expect(openSecondsBetween(rome, at('2026-06-10T20:00:00Z'), at('2026-06-11T05:00:00Z'))).toBe(0);
    expect(openSecondsBetween(rome, at('2026-06-11T08:00:00Z'), at('2026-06-10T08:00:00Z'))).toBe(0);
    // Over Christmas (a holiday) and the weekend after it: Thursday 24 Dec 17:00 to Monday 28 Dec 10:00.
    expect(openSecondsBetween(rome, at('2026-12-24T16:00:00Z'), at('2026-12-28T09:00:00Z'))).toBe(2 * 3600);
  });

  it('is open now when asked during an interval', () => {
    const now = at('2026-06-10T08:15:00Z');
    expect(nextOpening(rome, now)).toEqual(now);
  });

  it('maps a skipped time forward and a repeated time to its first occurrence', () => {
    const night = calendar({
      timeZone: 'Europe/Rome',
      weekly: {},
      specialOpenings: [
        { date: '2026-03-29', intervals: [{ start: '02:00', end: '04:00' }] },
        { date: '2026-10-25', intervals: [{ start: '02:00', end: '03:00' }] },
      ],
    });
    // 02:00 does not exist on 29 March: opening at 03:00 CEST (01:00Z), closing at 04:00 CEST (02:00Z).
    expect(nextOpening(night, at('2026-03-28T12:00:00Z'))).toEqual(at('2026-03-29T01:00:00Z'));
    expect(isOpen(night, at('2026-03-29T01:59:00Z'))).toBe(true);
    expect(isOpen(night, at('2026-03-29T02:00:00Z'))).toBe(false);
    // 02:00 happens twice on 25 October: from the first (00:00Z) to 03:00 CET (02:00Z), two real hours.
    expect(nextOpening(night, at('2026-10-24T12:00:00Z'))).toEqual(at('2026-10-25T00:00:00Z'));
    expect(isOpen(night, at('2026-10-25T01:30:00Z'))).toBe(true);
    expect(isOpen(night, at('2026-10-25T02:00:00Z'))).toBe(false);
  });

  it('stays closed on public holidays and one-off closures, and opens on special openings', () => {
    // Christmas (Fri) and Santo Stefano (Sat) are holidays; Monday 28 December opens at 09:00 CET.
    expect(nextOpening(rome, at('2026-12-24T17:30:00Z'))).toEqual(at('2026-12-28T08:00:00Z'));
    const closedMonday = calendar({
      timeZone: 'Europe/Rome',
      weekly: weekdays,
      holidays: { country: 'IT' },
      closures: [{ date: '2026-12-28' }],
      specialOpenings: [{ date: '2026-12-26', intervals: [{ start: '10:00', end: '12:00' }] }],
    });
    expect(nextOpening(closedMonday, at('2026-12-24T17:30:00Z'))).toEqual(at('2026-12-26T09:00:00Z'));
    expect(nextOpening(closedMonday, at('2026-12-26T11:00:00Z'))).toEqual(at('2026-12-29T08:00:00Z'));
    expect(upcomingHolidays(rome, at('2026-12-20T00:00:00Z'), 2, 'it').map((h) => h.date)).toEqual([
      '2026-12-25',
      '2026-12-26',
    ]);
  });
});

describe('Business hours in America/New_York', () => {
  const newYork = calendar({
    timeZone: 'America/New_York',
    weekly: weekdays,
    holidays: { country: 'US', region: 'NY' },
  });

  it('keeps 09:00 local across both DST changes', () => {
    expect(nextOpening(newYork, at('2026-03-06T23:30:00Z'))).toEqual(at('2026-03-09T13:00:00Z'));
    expect(nextOpening(newYork, at('2026-03-02T12:00:00Z'))).toEqual(at('2026-03-02T14:00:00Z'));
    expect(nextOpening(newYork, at('2026-10-30T23:30:00Z'))).toEqual(at('2026-11-02T14:00:00Z'));
  });

  it('skips Thanksgiving', () => {
    expect(nextOpening(newYork, at('2026-11-25T23:30:00Z'))).toEqual(at('2026-11-27T14:00:00Z'));
  });

  it('resolves the repeated 01:30 of the fall-back night to the first one (EDT)', () => {
    expect(fromLocal({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York')).toEqual(
      at('2026-11-01T05:30:00Z'),
    );
  });
});

describe('Business hours in America/Sao_Paulo', () => {
  const saoPaulo = calendar({
    timeZone: 'America/Sao_Paulo',
    weekly: weekdays,
    holidays: { country: 'BR', region: 'SP' },
  });

  it('uses UTC-3 all year now that Brazil has no DST, and closes on São Paulo’s 9 July holiday', () => {
    expect(nextOpening(saoPaulo, at('2026-01-15T11:00:00Z'))).toEqual(at('2026-01-15T12:00:00Z'));
    expect(nextOpening(saoPaulo, at('2026-07-08T22:00:00Z'))).toEqual(at('2026-07-10T12:00:00Z'));
  });

  it('handled the old midnight DST start: 00:00 on 4 November 2018 did not exist', () => {
    const night = calendar({
      timeZone: 'America/Sao_Paulo',
      weekly: {},
      specialOpenings: [{ date: '2018-11-04', intervals: [{ start: '00:00', end: '02:00' }] }],
    });
    expect(nextOpening(night, at('2018-11-03T12:00:00Z'))).toEqual(at('2018-11-04T03:00:00Z'));
    expect(isOpen(night, at('2018-11-04T03:59:00Z'))).toBe(true);
    expect(isOpen(night, at('2018-11-04T04:00:00Z'))).toBe(false);
  });
});

describe('Business hours validation', () => {
  it('refuses unknown zones, overlapping or inverted intervals and unknown regions', () => {
    const bad = [
      { timeZone: 'Mars/Olympus', weekly: {} },
      {
        timeZone: 'Europe/Rome',
        weekly: {
          mon: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        },
      },
      { timeZone: 'Europe/Rome', weekly: { mon: [{ start: '18:00', end: '09:00' }] } },
      { timeZone: 'Europe/Rome', weekly: { mon: [{ start: '25:00', end: '26:00' }] } },
      { timeZone: 'Europe/Rome', weekly: {}, holidays: { country: 'ZZ' } },
      { timeZone: 'Europe/Rome', weekly: {}, holidays: { country: 'IT', region: 'XX9' } },
      { timeZone: 'Europe/Rome', weekly: {}, extra: true },
    ];
    for (const input of bad)
      expect(ZBusinessHours.safeParse(input).success, JSON.stringify(input)).toBe(false);
  });

  it('never opens a calendar without hours, and is always open with 00:00-24:00 every day', () => {
    expect(nextOpening(calendar({ timeZone: 'UTC', weekly: {} }), at('2026-01-01T00:00:00Z'))).toBeNull();
    const always = Object.fromEntries(
      ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((day) => [
        day,
        [{ start: '00:00', end: '24:00' }],
      ]),
    );
    const open = calendar({ timeZone: 'Europe/Rome', weekly: always });
    expect(isOpen(open, at('2026-03-29T00:59:00Z'))).toBe(true);
    expect(isOpen(open, at('2026-10-25T23:30:00Z'))).toBe(true);
  });
});
