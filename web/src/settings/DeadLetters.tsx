import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import type { DeadLetter, DeadLetterDetail, DeadLetterReplay, Page } from '../api/types';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { dayStart, fullTime } from '../common/format';
import './telephony.css';

interface Filters {
  task: string;
  status: '' | DeadLetter['status'];
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { task: '', status: '', from: '', to: '' };
/** The API replays or discards at most this many per request. */
const MAX_SELECTED = 100;
const STATUS_WORDS: Record<DeadLetter['status'], string> = { dead: 'Failed', replayed: 'Replayed' };

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/**
 * Settings › Failed jobs: the workspace's dead-letter queue (jobs that used up their attempts), with
 * filters, each job's details (payload with personal data masked by the server), and replay or discard of
 * the selected jobs after a confirmation. `?task=` preselects a task (the HubSpot page links with it).
 */
export function DeadLetters() {
  const [params] = useSearchParams();
  const initial: Filters = { ...NO_FILTERS, task: params.get('task') ?? '' };
  const [filters, setFilters] = useState<Filters>(initial);
  const [draft, setDraft] = useState<Filters>(initial);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<'replay' | 'discard' | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const letters = useInfiniteQuery({
    queryKey: ['dead-letters', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<DeadLetter>>(
        'GET',
        withQuery('/dead-letters', {
          task: filters.task || undefined,
          status: filters.status || undefined,
          from: dayStart(filters.from),
          to: dayStart(filters.to, 1),
          limit: 50,
          cursor: pageParam,
        }),
        undefined,
        { signal },
      ),
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
  const items = letters.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Object.values(filters).some(Boolean);
  const chosen = items.filter((item) => selected.has(item.id));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setSelected(new Set());
    setFilters({ ...draft, task: draft.task.trim() });
  };
  const set = (key: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: event.target.value });
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const done = async (message: string) => {
    setConfirming(null);
    setSelected(new Set());
    setResult(message);
    await queryClient.invalidateQueries({ queryKey: ['dead-letters'] });
  };

  return (
    <>
      <h1>Failed jobs</h1>
      <p className="muted">
        Background jobs (syncs, messages, e-mails…) that failed on every attempt stay here until you replay or
        discard them. Replaying runs a job again with fresh attempts; discarding deletes it for good. Both are
        recorded in the audit log.
      </p>
      <form className="audit-filters" aria-label="Filter failed jobs" onSubmit={apply}>
        <label>
          Task
          <input
            value={draft.task}
            onChange={set('task')}
            placeholder="e.g. hubspot.sync-record"
            maxLength={100}
            spellCheck={false}
          />
        </label>
        <label>
          Status
          <select value={draft.status} onChange={set('status')}>
            <option value="">Any status</option>
            <option value="dead">Failed</option>
            <option value="replayed">Replayed</option>
          </select>
        </label>
        <label>
          From
          <input type="date" value={draft.from} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="date" value={draft.to} min={draft.from || undefined} onChange={set('to')} />
        </label>
        <button type="submit" className="primary">
          Apply filters
        </button>
        {filtered && (
          <button
            type="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              setSelected(new Set());
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <ErrorNote
        message={letters.error ? describeError(letters.error) : null}
        onRetry={() => void letters.refetch()}
      />
      {result && (
        <p className="success-note" role="status">
          {result}
        </p>
      )}
      {letters.isSuccess && items.length === 0 && (
        <Empty title={filtered ? 'No failed jobs match these filters' : 'No failed jobs'}>
          {filtered
            ? 'Widen the dates or clear the filters.'
            : 'Every background job has succeeded or is still being retried.'}
        </Empty>
      )}
      {items.length > 0 && (
        <>
          <div className="button-row dead-letter-actions">
            <button
              type="button"
              className="primary"
              aria-disabled={chosen.length === 0 || undefined}
              onClick={() => chosen.length > 0 && setConfirming('replay')}
            >
              Replay selected ({chosen.length})
            </button>
            <button
              type="button"
              className="danger"
              aria-disabled={chosen.length === 0 || undefined}
              onClick={() => chosen.length > 0 && setConfirming('discard')}
            >
              Discard selected ({chosen.length})
            </button>
            <span className="muted">Up to {MAX_SELECTED} at a time.</span>
          </div>
          <table className="table dead-letters">
            <caption className="visually-hidden">Failed jobs{filtered ? ', filtered' : ''}</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                <th scope="col">When</th>
                <th scope="col">Task</th>
                <th scope="col">Attempts</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <Row
                  key={item.id}
                  item={item}
                  selected={selected.has(item.id)}
                  canSelect={selected.has(item.id) || selected.size < MAX_SELECTED}
                  onSelect={(on) => toggle(item.id, on)}
                  open={open === item.id}
                  onToggle={() => setOpen(open === item.id ? null : item.id)}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
      {letters.hasNextPage && (
        <button
          type="button"
          aria-disabled={letters.isFetchingNextPage || undefined}
          onClick={() => void letters.fetchNextPage()}
        >
          Load more
        </button>
      )}
      {confirming && (
        <ConfirmDialog
          action={confirming}
          items={chosen}
          onClose={() => setConfirming(null)}
          onDone={(message) => void done(message)}
        />
      )}
    </>
  );
}

function Row(props: {
  item: DeadLetter;
  selected: boolean;
  canSelect: boolean;
  onSelect: (on: boolean) => void;
  open: boolean;
  onToggle: () => void;
}) {
  const { item } = props;
  const when = fullTime(item.failedAt);
  const detailsId = `dead-letter-${item.id}`;
  return (
    <>
      <tr>
        <td>
          <input
            type="checkbox"
            checked={props.selected}
            disabled={!props.canSelect}
            aria-label={`Select ${item.task}, failed ${when}`}
            onChange={(event) => props.onSelect(event.target.checked)}
          />
        </td>
        <td>{when}</td>
        <td className="mono">{item.task}</td>
        <td>
          {item.attempts} of {item.maxAttempts}
        </td>
        <td>{STATUS_WORDS[item.status]}</td>
        <td>
          <button
            type="button"
            aria-expanded={props.open}
            aria-controls={props.open ? detailsId : undefined}
            aria-label={`${props.open ? 'Hide' : 'Inspect'} ${item.task}, failed ${when}`}
            onClick={props.onToggle}
          >
            {props.open ? 'Hide' : 'Inspect'}
          </button>
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={6} id={detailsId}>
            <Details id={item.id} />
          </td>
        </tr>
      )}
    </>
  );
}

/** One job's details; the server masks personal data in the payload and the error. */
function Details(props: { id: string }) {
  const detail = useQuery({
    queryKey: ['dead-letters', 'detail', props.id],
    queryFn: ({ signal }) => api<DeadLetterDetail>('GET', `/dead-letters/${props.id}`, undefined, { signal }),
  });
  if (detail.error)
    return <ErrorNote message={describeError(detail.error)} onRetry={() => void detail.refetch()} />;
  const letter = detail.data;
  if (!letter) return <p className="loading">Loading…</p>;
  return (
    <div className="dead-letter-detail" data-testid="dead-letter-detail">
      <dl className="facts">
        <dt>Task</dt>
        <dd className="mono">{letter.task}</dd>
        <dt>Attempts</dt>
        <dd>
          {letter.attempts} of {letter.maxAttempts}
        </dd>
        <dt>Failed</dt>
        <dd>{fullTime(letter.failedAt)}</dd>
        {letter.replayedAt && (
          <>
            <dt>Replayed</dt>
            <dd>{fullTime(letter.replayedAt)}</dd>
          </>
        )}
        {letter.requestId && (
          <>
            <dt>Request id</dt>
            <dd className="mono">{letter.requestId}</dd>
          </>
        )}
        <dt>Last error</dt>
        <dd className="mono">{letter.lastError ?? 'None recorded'}</dd>
      </dl>
      <p className="muted">Payload (personal data masked):</p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe: scrollable-region-focusable) */}
      <section className="dead-letter-payload" aria-label="Payload, personal data masked" tabIndex={0}>
        <pre>{JSON.stringify(letter.payload, null, 2)}</pre>
      </section>
    </div>
  );
}

function ConfirmDialog(props: {
  action: 'replay' | 'discard';
  items: DeadLetter[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const count = props.items.length;
  const jobs = plural(count, 'job', 'jobs');
  const replay = props.action === 'replay';
  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const ids = props.items.map((item) => item.id);
    try {
      if (replay) {
        const outcome = await api<DeadLetterReplay>('POST', '/dead-letters/replay', { ids });
        const already = outcome.alreadyReplayed.length;
        props.onDone(
          `${plural(outcome.replayed.length, 'job', 'jobs')} queued to run again.` +
            (already > 0 ? ` ${plural(already, 'was', 'were')} already replayed and left as is.` : ''),
        );
      } else {
        await api('POST', '/dead-letters/discard', { ids });
        props.onDone(`${jobs} discarded.`);
      }
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={replay ? `Replay ${jobs}?` : `Discard ${jobs}?`}
      role="alertdialog"
      onClose={props.onClose}
      actions={
        <>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={replay ? 'primary' : 'danger'}
            aria-disabled={busy || undefined}
            onClick={() => void confirm()}
          >
            {replay ? 'Replay' : 'Discard permanently'}
          </button>
        </>
      }
    >
      <p>
        {replay
          ? 'Each job runs again with its original data and a fresh set of attempts. Jobs already replayed are left as they are.'
          : 'The jobs and their data are deleted and will not run. This cannot be undone.'}
      </p>
      <ul>
        {props.items.map((item) => (
          <li key={item.id}>
            <span className="mono">{item.task}</span>, failed {fullTime(item.failedAt)}
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
    </Dialog>
  );
}
