import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import {
  type BusinessHours,
  type BusinessHoursView,
  type HoursInterval,
  WEEKDAYS,
  type Weekday,
} from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

const OFFICE: HoursInterval[] = [
  { start: '09:00', end: '13:00' },
  { start: '14:00', end: '18:00' },
];

/** A first calendar to edit: the browser's time zone, weekdays 9–13 and 14–18. */
function starterCalendar(): BusinessHours {
  return {
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    weekly: { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE, sat: [], sun: [] },
    holidays: null,
    closures: [],
    specialOpenings: [],
  };
}

const TIME_ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

/**
 * Business hours at `path` (`/business-hours` for the workspace, `/widgets/<id>/business-hours` for one
 * widget's override): time zone, several intervals per weekday, public holidays of a country and region,
 * one-off closures and special openings; shows whether it is open now, the next opening and the coming
 * holidays as the server computes them.
 */
export function HoursEditor(props: { path: string; widget?: boolean }) {
  // Under the page's h1 on the workspace's page, under the widget's h2 in the builder.
  const Heading = props.widget ? 'h3' : 'h2';
  const queryKey = keys.list(props.path);
  const view = useQuery({
    queryKey,
    queryFn: ({ signal }) => api<BusinessHoursView>('GET', props.path, undefined, { signal }),
  });
  const [draft, setDraft] = useState<BusinessHours | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [overriding, setOverriding] = useState(false);
  useEffect(() => {
    if (view.data) setDraft(view.data.calendar ?? (props.widget ? null : starterCalendar()));
  }, [view.data, props.widget]);
  const ids = useId();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    try {
      await api('PUT', props.path, draft);
      setError(null);
      setSaved(true);
      setOverriding(false);
      await view.refetch();
    } catch (caught) {
      setSaved(false);
      setError(describeError(caught));
    }
  };
  const dropOverride = async () => {
    try {
      await api('DELETE', props.path);
      setError(null);
      setDraft(null);
      await view.refetch();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const state = view.data;
  const following = props.widget && state?.calendar === null && !overriding;
  const change = (next: BusinessHours) => {
    setSaved(false);
    setDraft(next);
  };

  return (
    <div className="settings-form">
      <ErrorNote message={error ?? (view.error ? describeError(view.error) : null)} />
      {state && (
        <p role="status">
          <span className={state.open ? 'state-open' : 'state-closed'}>
            {state.open ? 'Open now' : 'Closed now'}
          </span>
          {!state.open &&
            (state.nextOpening
              ? ` · next opening ${fullTime(state.nextOpening)}`
              : ' · no opening in the next year')}
          {saved && ' · Saved'}
        </p>
      )}
      {following && (
        <div className="inline-form">
          <p className="muted">This widget follows the workspace’s business hours.</p>
          <button
            type="button"
            onClick={() => {
              setOverriding(true);
              setDraft(starterCalendar());
            }}
          >
            Set hours for this widget
          </button>
        </div>
      )}
      {draft && !following && (
        <form className="settings-form" onSubmit={save} aria-label="Business hours">
          <label>
            Time zone
            <input
              required
              list={`${ids}-zones`}
              value={draft.timeZone}
              onChange={(event) => change({ ...draft, timeZone: event.target.value })}
            />
            <datalist id={`${ids}-zones`}>
              {TIME_ZONES.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </label>
          {WEEKDAYS.map((day) => (
            <fieldset key={day} className="hours-day">
              <legend>{DAY_NAMES[day]}</legend>
              <Intervals
                label={DAY_NAMES[day]}
                intervals={draft.weekly[day]}
                onChange={(intervals) => change({ ...draft, weekly: { ...draft.weekly, [day]: intervals } })}
              />
            </fieldset>
          ))}
          <fieldset className="hours-day">
            <legend>Public holidays</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={draft.holidays !== null}
                onChange={(event) =>
                  change({ ...draft, holidays: event.target.checked ? { country: 'IT' } : null })
                }
              />
              Closed on public holidays
            </label>
            {draft.holidays && (
              <>
                <label>
                  Country (ISO code)
                  <input
                    required
                    maxLength={2}
                    size={4}
                    value={draft.holidays.country}
                    onChange={(event) =>
                      change({
                        ...draft,
                        holidays: { ...draft.holidays, country: event.target.value.toUpperCase() },
                      })
                    }
                  />
                </label>
                <label>
                  Region (optional)
                  <input
                    maxLength={3}
                    size={4}
                    value={draft.holidays.region ?? ''}
                    onChange={(event) => {
                      const region = event.target.value.toUpperCase();
                      const country = draft.holidays?.country ?? '';
                      change({ ...draft, holidays: region ? { country, region } : { country } });
                    }}
                  />
                </label>
              </>
            )}
          </fieldset>
          <fieldset className="hours-day">
            <legend>Closures</legend>
            {draft.closures.length === 0 && <p className="muted">No one-off closures.</p>}
            {draft.closures.map((closure, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a key from their values would remount the field being typed in
              <div key={index} className="hours-interval">
                <label>
                  Closed on
                  <input
                    type="date"
                    required
                    value={closure.date}
                    onChange={(event) =>
                      change({
                        ...draft,
                        closures: replaceAt(draft.closures, index, { ...closure, date: event.target.value }),
                      })
                    }
                  />
                </label>
                <label>
                  Note
                  <input
                    maxLength={200}
                    value={closure.note ?? ''}
                    onChange={(event) =>
                      change({
                        ...draft,
                        closures: replaceAt(draft.closures, index, {
                          date: closure.date,
                          ...(event.target.value ? { note: event.target.value } : {}),
                        }),
                      })
                    }
                  />
                </label>
                <button
                  type="button"
                  onClick={() => change({ ...draft, closures: removeAt(draft.closures, index) })}
                >
                  Remove<span className="visually-hidden"> closure {closure.date}</span>
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() => change({ ...draft, closures: [...draft.closures, { date: today() }] })}
            >
              Add a closure
            </button>
          </fieldset>
          <fieldset className="hours-day">
            <legend>Special openings</legend>
            {draft.specialOpenings.length === 0 && (
              <p className="muted">None: a special opening replaces a day’s hours, even on a holiday.</p>
            )}
            {draft.specialOpenings.map((opening, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a key from their values would remount the field being typed in
              <div key={index} className="hours-interval">
                <label>
                  Open on
                  <input
                    type="date"
                    required
                    value={opening.date}
                    onChange={(event) =>
                      change({
                        ...draft,
                        specialOpenings: replaceAt(draft.specialOpenings, index, {
                          ...opening,
                          date: event.target.value,
                        }),
                      })
                    }
                  />
                </label>
                <Intervals
                  label={`special opening ${opening.date}`}
                  intervals={opening.intervals}
                  onChange={(intervals) =>
                    change({
                      ...draft,
                      specialOpenings: replaceAt(draft.specialOpenings, index, { ...opening, intervals }),
                    })
                  }
                />
                <button
                  type="button"
                  onClick={() =>
                    change({ ...draft, specialOpenings: removeAt(draft.specialOpenings, index) })
                  }
                >
                  Remove<span className="visually-hidden"> special opening {opening.date}</span>
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() =>
                change({
                  ...draft,
                  specialOpenings: [
                    ...draft.specialOpenings,
                    { date: today(), intervals: [{ start: '10:00', end: '13:00' }] },
                  ],
                })
              }
            >
              Add a special opening
            </button>
          </fieldset>
          <div className="inline-form">
            <button type="submit" className="primary">
              Save hours
            </button>
            {props.widget && state?.calendar && (
              <button type="button" onClick={() => void dropOverride()}>
                Follow the workspace’s hours
              </button>
            )}
          </div>
        </form>
      )}
      {state && state.upcomingHolidays.length > 0 && (
        <section aria-label="Coming holidays">
          <Heading>Coming holidays</Heading>
          <ul className="rows">
            {state.upcomingHolidays.map((holiday) => (
              <li key={`${holiday.date}-${holiday.name}`} className="row">
                <span className="mono">{holiday.date}</span> {holiday.name}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** One day's openings: each a start and an end, added and removed freely (the server checks overlaps). */
function Intervals(props: {
  label: string;
  intervals: HoursInterval[];
  onChange: (next: HoursInterval[]) => void;
}) {
  const { intervals, onChange } = props;
  return (
    <>
      {intervals.length === 0 && <span className="muted">Closed</span>}
      {intervals.map((interval, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a key from their values would remount the field being typed in
        <div key={index} className="hours-interval">
          <label>
            From<span className="visually-hidden"> ({props.label})</span>
            <input
              type="time"
              required
              value={interval.start}
              onChange={(event) =>
                onChange(replaceAt(intervals, index, { ...interval, start: event.target.value }))
              }
            />
          </label>
          <label>
            To<span className="visually-hidden"> ({props.label})</span>
            <input
              type="time"
              required
              value={interval.end}
              onChange={(event) =>
                onChange(replaceAt(intervals, index, { ...interval, end: event.target.value }))
              }
            />
          </label>
          <button type="button" onClick={() => onChange(removeAt(intervals, index))}>
            Remove
            <span className="visually-hidden">
              {' '}
              {props.label} {interval.start}
            </span>
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() =>
          onChange([
            ...intervals,
            intervals.length ? { start: '14:00', end: '18:00' } : { start: '09:00', end: '18:00' },
          ])
        }
      >
        Add hours<span className="visually-hidden"> on {props.label}</span>
      </button>
    </>
  );
}

const replaceAt = <T,>(list: T[], index: number, value: T) =>
  list.map((item, at) => (at === index ? value : item));
const removeAt = <T,>(list: T[], index: number) => list.filter((_item, at) => at !== index);
const today = () => new Date().toISOString().slice(0, 10);
