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
import { currentLocale, t } from '../i18n/i18n';

/** A weekday's name in the active language, capitalised (Intl gives Italian and Spanish lower-case). */
function dayName(day: Weekday): string {
  // 1 January 2024 was a Monday.
  const date = Date.UTC(2024, 0, 1 + WEEKDAYS.indexOf(day));
  const name = new Intl.DateTimeFormat(currentLocale(), { weekday: 'long', timeZone: 'UTC' }).format(date);
  return name.charAt(0).toLocaleUpperCase(currentLocale()) + name.slice(1);
}

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
            {state.open ? t('hours.openNow') : t('hours.closedNow')}
          </span>
          {!state.open &&
            (state.nextOpening
              ? ` · ${t('hours.nextOpening', { when: fullTime(state.nextOpening) })}`
              : ` · ${t('hours.noOpening')}`)}
          {saved && ` · ${t('common.saved')}`}
        </p>
      )}
      {following && (
        <div className="inline-form">
          <p className="muted">{t('hours.widgetFollows')}</p>
          <button
            type="button"
            onClick={() => {
              setOverriding(true);
              setDraft(starterCalendar());
            }}
          >
            {t('hours.setForWidget')}
          </button>
        </div>
      )}
      {draft && !following && (
        <form className="settings-form" onSubmit={save} aria-label={t('settings.page.businessHours')}>
          <label>
            {t('hours.timeZone')}
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
              <legend>{dayName(day)}</legend>
              <Intervals
                label={dayName(day)}
                intervals={draft.weekly[day]}
                onChange={(intervals) => change({ ...draft, weekly: { ...draft.weekly, [day]: intervals } })}
              />
            </fieldset>
          ))}
          <fieldset className="hours-day">
            <legend>{t('hours.holidays')}</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={draft.holidays !== null}
                onChange={(event) =>
                  change({ ...draft, holidays: event.target.checked ? { country: 'IT' } : null })
                }
              />
              {t('hours.closedOnHolidays')}
            </label>
            {draft.holidays && (
              <>
                <label>
                  {t('hours.country')}
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
                  {t('hours.region')}
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
            <legend>{t('hours.closures')}</legend>
            {draft.closures.length === 0 && <p className="muted">{t('hours.noClosures')}</p>}
            {draft.closures.map((closure, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a key from their values would remount the field being typed in
              <div key={index} className="hours-interval">
                <label>
                  {t('hours.closedOn')}
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
                  {t('hours.note')}
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
                  {t('llm.remove')}
                  <span className="visually-hidden"> {t('hours.closureNamed', { date: closure.date })}</span>
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() => change({ ...draft, closures: [...draft.closures, { date: today() }] })}
            >
              {t('hours.addClosure')}
            </button>
          </fieldset>
          <fieldset className="hours-day">
            <legend>{t('hours.specialOpenings')}</legend>
            {draft.specialOpenings.length === 0 && <p className="muted">{t('hours.noSpecialOpenings')}</p>}
            {draft.specialOpenings.map((opening, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a key from their values would remount the field being typed in
              <div key={index} className="hours-interval">
                <label>
                  {t('hours.openOn')}
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
                  label={t('hours.openingNamed', { date: opening.date })}
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
                  {t('llm.remove')}
                  <span className="visually-hidden"> {t('hours.openingNamed', { date: opening.date })}</span>
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
              {t('hours.addOpening')}
            </button>
          </fieldset>
          <div className="inline-form">
            <button type="submit" className="primary">
              {t('hours.save')}
            </button>
            {props.widget && state?.calendar && (
              <button type="button" onClick={() => void dropOverride()}>
                {t('hours.follow')}
              </button>
            )}
          </div>
        </form>
      )}
      {state && state.upcomingHolidays.length > 0 && (
        <section aria-label={t('hours.coming')}>
          <Heading>{t('hours.coming')}</Heading>
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
      {intervals.length === 0 && <span className="muted">{t('hours.closed')}</span>}
      {intervals.map((interval, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a key from their values would remount the field being typed in
        <div key={index} className="hours-interval">
          <label>
            {t('hours.from')}
            <span className="visually-hidden"> ({props.label})</span>
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
            {t('hours.to')}
            <span className="visually-hidden"> ({props.label})</span>
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
            {t('llm.remove')}
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
        {t('hours.addHours')}
        <span className="visually-hidden"> {t('hours.onDay', { day: props.label })}</span>
      </button>
    </>
  );
}

const replaceAt = <T,>(list: T[], index: number, value: T) =>
  list.map((item, at) => (at === index ? value : item));
const removeAt = <T,>(list: T[], index: number) => list.filter((_item, at) => at !== index);
const today = () => new Date().toISOString().slice(0, 10);
