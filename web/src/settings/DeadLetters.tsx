import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, describeError } from '../api/client';
import type { DeadLetter, DeadLetterDetail, DeadLetterReplay } from '../api/types';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote, QueryError } from '../common/feedback';
import { dayStart, fullTime } from '../common/format';
import './telephony.css';
import { t } from '../i18n/i18n';
import { type DayRange, FilterBar, LoadMore, useFilters, usePagedList } from './FilterBar';

interface Filters extends DayRange {
  task: string;
  status: '' | DeadLetter['status'];
}
const NO_FILTERS: Filters = { task: '', status: '', from: '', to: '' };
/** The API replays or discards at most this many per request. */
const MAX_SELECTED = 100;
const statusWord = (status: DeadLetter['status']): string =>
  status === 'dead' ? t('deadLetters.status.dead') : t('deadLetters.status.replayed');

/**
 * Settings › Failed jobs: the workspace's dead-letter queue (jobs that used up their attempts), with
 * filters, each job's details (payload with personal data masked by the server), and replay or discard of
 * the selected jobs after a confirmation. `?task=` preselects a task (the HubSpot page links with it).
 */
export function DeadLetters() {
  const [params] = useSearchParams();
  const { filters, draft, set, apply, clear, filtered } = useFilters<Filters>(
    { ...NO_FILTERS, task: params.get('task') ?? '' },
    NO_FILTERS,
  );
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<'replay' | 'discard' | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const { list: letters, items } = usePagedList<DeadLetter>(['dead-letters', filters], '/dead-letters', {
    task: filters.task || undefined,
    status: filters.status || undefined,
    from: dayStart(filters.from),
    to: dayStart(filters.to, 1),
  });
  const chosen = items.filter((item) => selected.has(item.id));

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
      <h1>{t('settings.page.failedJobs')}</h1>
      <p className="muted">{t('deadLetters.intro')}</p>
      <FilterBar
        label={t('deadLetters.filter')}
        draft={draft}
        set={set}
        filtered={filtered}
        onApply={() => {
          setSelected(new Set());
          apply({ ...draft, task: draft.task.trim() });
        }}
        onClear={() => {
          clear();
          setSelected(new Set());
        }}
      >
        <label>
          {t('deadLetters.task')}
          <input
            value={draft.task}
            onChange={set('task')}
            placeholder={t('deadLetters.taskExample', { task: 'hubspot.sync-record' })}
            maxLength={100}
            spellCheck={false}
          />
        </label>
        <label>
          {t('deadLetters.statusLabel')}
          <select value={draft.status} onChange={set('status')}>
            <option value="">{t('deadLetters.anyStatus')}</option>
            <option value="dead">{t('deadLetters.status.dead')}</option>
            <option value="replayed">{t('deadLetters.status.replayed')}</option>
          </select>
        </label>
      </FilterBar>
      <QueryError query={letters} />
      {result && (
        <p className="success-note" role="status">
          {result}
        </p>
      )}
      {letters.isSuccess && items.length === 0 && (
        <Empty title={filtered ? t('deadLetters.noMatch') : t('deadLetters.empty')}>
          {filtered ? t('audit.noMatchHint') : t('deadLetters.emptyHint')}
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
              {t('deadLetters.replaySelected', { count: chosen.length })}
            </button>
            <button
              type="button"
              className="danger"
              aria-disabled={chosen.length === 0 || undefined}
              onClick={() => chosen.length > 0 && setConfirming('discard')}
            >
              {t('deadLetters.discardSelected', { count: chosen.length })}
            </button>
            <span className="muted">{t('deadLetters.max', { max: MAX_SELECTED })}</span>
          </div>
          <table className="table dead-letters">
            <caption className="visually-hidden">
              {filtered ? t('deadLetters.captionFiltered') : t('settings.page.failedJobs')}
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">{t('deadLetters.select')}</span>
                </th>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('deadLetters.task')}</th>
                <th scope="col">{t('deadLetters.attempts')}</th>
                <th scope="col">{t('deadLetters.statusLabel')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('deadLetters.details')}</span>
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
      <LoadMore list={letters} />
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
            aria-label={t('deadLetters.selectJob', { task: item.task, when })}
            onChange={(event) => props.onSelect(event.target.checked)}
          />
        </td>
        <td>{when}</td>
        <td className="mono">{item.task}</td>
        <td>{t('deadLetters.attemptsOf', { attempts: item.attempts, max: item.maxAttempts })}</td>
        <td>{statusWord(item.status)}</td>
        <td>
          <button
            type="button"
            aria-expanded={props.open}
            aria-controls={props.open ? detailsId : undefined}
            aria-label={
              props.open
                ? t('deadLetters.hideJob', { task: item.task, when })
                : t('deadLetters.inspectJob', { task: item.task, when })
            }
            onClick={props.onToggle}
          >
            {props.open ? t('deadLetters.hide') : t('deadLetters.inspect')}
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
  if (!letter) return <p className="loading">{t('common.loading')}</p>;
  return (
    <div className="dead-letter-detail" data-testid="dead-letter-detail">
      <dl className="facts">
        <dt>{t('deadLetters.task')}</dt>
        <dd className="mono">{letter.task}</dd>
        <dt>{t('deadLetters.attempts')}</dt>
        <dd>{t('deadLetters.attemptsOf', { attempts: letter.attempts, max: letter.maxAttempts })}</dd>
        <dt>{t('deadLetters.status.dead')}</dt>
        <dd>{fullTime(letter.failedAt)}</dd>
        {letter.replayedAt && (
          <>
            <dt>{t('deadLetters.status.replayed')}</dt>
            <dd>{fullTime(letter.replayedAt)}</dd>
          </>
        )}
        {letter.requestId && (
          <>
            <dt>{t('deadLetters.requestId')}</dt>
            <dd className="mono">{letter.requestId}</dd>
          </>
        )}
        <dt>{t('deadLetters.lastError')}</dt>
        <dd className="mono">{letter.lastError ?? t('deadLetters.noError')}</dd>
      </dl>
      <p className="muted">{t('deadLetters.payload')}</p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe: scrollable-region-focusable) */}
      <section className="dead-letter-payload" aria-label={t('deadLetters.payloadLabel')} tabIndex={0}>
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
        props.onDone(t('deadLetters.replayed', { count: outcome.replayed.length, already }));
      } else {
        await api('POST', '/dead-letters/discard', { ids });
        props.onDone(t('deadLetters.discarded', { count }));
      }
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={replay ? t('deadLetters.replayTitle', { count }) : t('deadLetters.discardTitle', { count })}
      role="alertdialog"
      onClose={props.onClose}
      actions={
        <>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className={replay ? 'primary' : 'danger'}
            aria-disabled={busy || undefined}
            onClick={() => void confirm()}
          >
            {replay ? t('deadLetters.replay') : t('deadLetters.discard')}
          </button>
        </>
      }
    >
      <p>{replay ? t('deadLetters.replayHint') : t('deadLetters.discardHint')}</p>
      <ul>
        {props.items.map((item) => (
          <li key={item.id}>
            <span className="mono">{item.task}</span>,{' '}
            {t('deadLetters.failedAt', { when: fullTime(item.failedAt) })}
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
    </Dialog>
  );
}
