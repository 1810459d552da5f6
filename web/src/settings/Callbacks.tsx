import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import { CALLBACK_STATUSES, type Callback, type CallbackStatus, type Page } from '../api/types';
import { CALLBACK_STATUS_LABELS, callDuration, isPendingCallback } from '../common/callback-status';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import './telephony.css';

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
      <h1>Call-backs</h1>
      <p className="muted">
        What visitors asked for through your widgets and how each call went. The list follows calls as they
        happen.
      </p>
      <ErrorNote message={error ?? (list.error ? describeError(list.error) : null)} />
      <p role="status" className="visually-hidden">
        {notice}
      </p>
      <form
        className="callback-filters"
        aria-label="Filter call-backs"
        onSubmit={(event) => event.preventDefault()}
      >
        <label>
          Status or outcome
          <select value={status} onChange={(event) => setStatus(event.target.value as CallbackStatus | '')}>
            <option value="">All</option>
            {CALLBACK_STATUSES.map((each) => (
              <option key={each} value={each}>
                {CALLBACK_STATUS_LABELS[each]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
      </form>
      {items && items.length === 0 && (
        <Empty title={status || from || to ? 'No call-back matches these filters' : 'No call-backs yet'}>
          {status || from || to
            ? 'Clear a filter to see more.'
            : 'Add a widget to your website (Settings, Widgets); requests appear here as visitors send them.'}
        </Empty>
      )}
      {items && items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Call-backs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Asked</th>
              <th scope="col">Visitor</th>
              <th scope="col">Status</th>
              <th scope="col">Call</th>
              <th scope="col">Actions</th>
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
                  {CALLBACK_STATUS_LABELS[callback.status]}
                  {callback.status === 'scheduled' && callback.scheduledFor && (
                    <div className="muted">for {fullTime(callback.scheduledFor)}</div>
                  )}
                  {callback.outcomeDetail && <div className="muted">{callback.outcomeDetail}</div>}
                </td>
                <td>
                  {callback.durationSeconds !== null && <div>{callDuration(callback.durationSeconds)}</div>}
                  {callback.answeredByNumber && (
                    <div className="muted">answered by {callback.answeredByNumber}</div>
                  )}
                  {callback.attempts > 1 && <div className="muted">{callback.attempts} attempts</div>}
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
                            'Call-back moved',
                          );
                        }}
                      >
                        <label>
                          Call at
                          <input
                            type="datetime-local"
                            required
                            value={moving.at}
                            onChange={(event) => setMoving({ id: callback.id, at: event.target.value })}
                          />
                        </label>
                        <button type="submit" className="primary">
                          Move
                        </button>
                        <button type="button" onClick={() => setMoving(null)}>
                          Keep
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
                          Reschedule<span className="visually-hidden"> {callback.visitorE164}</span>
                        </button>{' '}
                        <button
                          type="button"
                          onClick={() =>
                            void act(
                              () => api('POST', `/callbacks/${callback.id}/cancel`),
                              'Call-back canceled',
                            )
                          }
                        >
                          Cancel call<span className="visually-hidden"> {callback.visitorE164}</span>
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
          Show more
        </button>
      )}
    </>
  );
}
