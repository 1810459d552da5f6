import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import { CALLBACK_STATUSES, type Callback, type CallbackStatus, type Page } from '../api/types';
import { callbackStatusLabel, callDuration, isPendingCallback } from '../common/callback-status';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import './telephony.css';
import { t } from '../i18n/i18n';

/** A local date (YYYY-MM-DD) as the instant its day starts in the operator's time zone. */
const dayStart = (date: string, plusDays = 0) => {
  if (!date) return undefined;
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  return new Date(year, month - 1, day + plusDays).toISOString();
};

/** `datetime-local` value of an instant, in the operator's time zone. */
function localInput(iso: string | null): string {
  const date = iso ? new Date(iso) : new Date(Date.now() + 3_600_000);
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** Every call-back the widgets took, newest first, filtered; updated live as calls progress. */
export function Callbacks() {
  const [status, setStatus] = useState<CallbackStatus | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [moving, setMoving] = useState<{ id: string; at: string } | null>(null);
  const [notice, setNotice] = useState('');
  const filter = { status, createdFrom: dayStart(from), createdTo: dayStart(to, 1), limit: 50 };
  const list = useInfiniteQuery({
    queryKey: keys.callbackList(JSON.stringify(filter)),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<Callback>>('GET', withQuery('/callbacks', { ...filter, cursor: pageParam }), undefined, {
        signal,
      }),
    getNextPageParam: (page) => page.nextCursor,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? null;

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setError(null);
      setNotice(done);
      await list.refetch();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <>
      <h1>{t('settings.page.callbacks')}</h1>
      <p className="muted">{t('callbacks.intro')}</p>
      <ErrorNote message={error ?? (list.error ? describeError(list.error) : null)} />
      <p role="status" className="visually-hidden">
        {notice}
      </p>
      <form
        className="callback-filters"
        aria-label={t('callbacks.filter')}
        onSubmit={(event) => event.preventDefault()}
      >
        <label>
          {t('callbacks.status')}
          <select value={status} onChange={(event) => setStatus(event.target.value as CallbackStatus | '')}>
            <option value="">{t('callbacks.all')}</option>
            {CALLBACK_STATUSES.map((each) => (
              <option key={each} value={each}>
                {callbackStatusLabel(each)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('audit.from')}
          <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          {t('audit.to')}
          <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
      </form>
      {items && items.length === 0 && (
        <Empty title={status || from || to ? t('callbacks.noMatch') : t('callbacks.empty')}>
          {status || from || to ? t('callbacks.noMatchHint') : t('callbacks.emptyHint')}
        </Empty>
      )}
      {items && items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">{t('callbacks.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('callbacks.asked')}</th>
              <th scope="col">{t('callbacks.visitor')}</th>
              <th scope="col">{t('deadLetters.statusLabel')}</th>
              <th scope="col">{t('callbacks.call')}</th>
              <th scope="col">{t('callbacks.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((callback) => (
              <tr key={callback.id}>
                <td>{fullTime(callback.createdAt)}</td>
                <td>
                  {callback.visitorName && <strong>{callback.visitorName} </strong>}
                  <span className="mono">{callback.visitorE164}</span>
                </td>
                <td>
                  {callbackStatusLabel(callback.status)}
                  {callback.status === 'scheduled' && callback.scheduledFor && (
                    <div className="muted">
                      {t('callback.for', { when: fullTime(callback.scheduledFor) })}
                    </div>
                  )}
                  {callback.outcomeDetail && <div className="muted">{callback.outcomeDetail}</div>}
                </td>
                <td>
                  {callback.durationSeconds !== null && <div>{callDuration(callback.durationSeconds)}</div>}
                  {callback.answeredByNumber && (
                    <div className="muted">
                      {t('callbacks.answeredBy', { number: callback.answeredByNumber })}
                    </div>
                  )}
                  {callback.attempts > 1 && (
                    <div className="muted">{t('callbacks.attempts', { count: callback.attempts })}</div>
                  )}
                </td>
                <td>
                  {isPendingCallback(callback.status) &&
                    (moving?.id === callback.id ? (
                      <form
                        className="inline-form"
                        onSubmit={(event) => {
                          event.preventDefault();
                          const at = new Date(moving.at).toISOString();
                          setMoving(null);
                          void act(
                            () => api('POST', `/callbacks/${callback.id}/reschedule`, { at }),
                            t('callbacks.moved'),
                          );
                        }}
                      >
                        <label>
                          {t('callbacks.callAt')}
                          <input
                            type="datetime-local"
                            required
                            value={moving.at}
                            onChange={(event) => setMoving({ id: callback.id, at: event.target.value })}
                          />
                        </label>
                        <button type="submit" className="primary">
                          {t('callbacks.move')}
                        </button>
                        <button type="button" onClick={() => setMoving(null)}>
                          {t('callbacks.keep')}
                        </button>
                      </form>
                    ) : (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            setMoving({ id: callback.id, at: localInput(callback.scheduledFor) })
                          }
                        >
                          {t('callbacks.reschedule')}
                          <span className="visually-hidden"> {callback.visitorE164}</span>
                        </button>{' '}
                        <button
                          type="button"
                          onClick={() =>
                            void act(
                              () => api('POST', `/callbacks/${callback.id}/cancel`),
                              t('callbacks.canceled'),
                            )
                          }
                        >
                          {t('callbacks.cancel')}
                          <span className="visually-hidden"> {callback.visitorE164}</span>
                        </button>
                      </>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {t('callbacks.showMore')}
        </button>
      )}
    </>
  );
}
