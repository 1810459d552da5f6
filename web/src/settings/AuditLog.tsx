import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import { membersQuery } from '../api/queries';
import type { AuditEntryNamed, Page } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { dayStart, fullTime } from '../common/format';
import { affectedLink, describeAction, KNOWN_ACTIONS } from './audit-sentences';

interface Filters {
  actorUserId: string;
  action: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { actorUserId: '', action: '', from: '', to: '' };

/** Days as the operator picks them (their own time zone), as the API's instants: `to` includes its day. */
function query(filters: Filters) {
  return {
    actorUserId: filters.actorUserId || undefined,
    action: filters.action || undefined,
    from: dayStart(filters.from),
    to: dayStart(filters.to, 1),
  };
}

/** The workspace's audit trail in words: who did what, when, with filters, pages and a CSV download. */
export function AuditLog() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const members = useQuery(membersQuery);
  const entries = useInfiniteQuery({
    queryKey: ['audit-log', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<AuditEntryNamed>>(
        'GET',
        withQuery('/audit-log', { ...query(filters), limit: 50, cursor: pageParam }),
        undefined,
        { signal },
      ),
    getNextPageParam: (page) => page.nextCursor,
    // The table stays while the next filter's answer loads, instead of flashing empty.
    placeholderData: keepPreviousData,
  });
  const items = entries.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Object.values(filters).some(Boolean);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const set = (key: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: event.target.value });

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Changes to the workspace and its security events, newest first.</p>
      <form className="audit-filters" aria-label="Filter the audit log" onSubmit={apply}>
        <label>
          Who
          <select value={draft.actorUserId} onChange={set('actorUserId')}>
            <option value="">Anyone</option>
            {(members.data ?? []).map((member) => (
              <option key={member.userId} value={member.userId}>
                {member.displayName ?? member.email}
              </option>
            ))}
          </select>
        </label>
        <label>
          What
          <select value={draft.action} onChange={set('action')}>
            <option value="">Any action</option>
            {KNOWN_ACTIONS.map(({ action, label }) => (
              <option key={action} value={action}>
                {label}
              </option>
            ))}
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
            }}
          >
            Clear filters
          </button>
        )}
        <a className="button-link" href={withQuery('/api/v1/audit-log/export', query(filters))} download>
          Download CSV
        </a>
      </form>
      <ErrorNote
        message={entries.error ? describeError(entries.error) : null}
        onRetry={() => void entries.refetch()}
      />
      {entries.isSuccess && items.length === 0 && (
        <Empty title={filtered ? 'Nothing matches these filters' : 'Nothing recorded yet'}>
          {filtered
            ? 'Widen the dates or clear the filters.'
            : 'Changes to settings, members and keys appear here as they happen.'}
        </Empty>
      )}
      {items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Audit entries{filtered ? ', filtered' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => {
              const link = affectedLink(entry.action, entry.detail);
              return (
                <tr key={entry.id}>
                  <td className="audit-when">{fullTime(entry.createdAt)}</td>
                  <td>{actorOf(entry)}</td>
                  <td>
                    <span className="audit-sentence">
                      {capitalise(describeAction(entry.action, entry.detail))}
                    </span>
                    {link && (
                      <Link className="small-link" to={link.to}>
                        {link.label}
                      </Link>
                    )}
                  </td>
                  <td className="muted">{entry.ip ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {entries.hasNextPage && (
        <button
          type="button"
          aria-disabled={entries.isFetchingNextPage || undefined}
          onClick={() => void entries.fetchNextPage()}
        >
          Load more
        </button>
      )}
    </>
  );
}

function actorOf(entry: AuditEntryNamed): string {
  if (entry.actorName) return entry.actorApiKeyId ? `API key “${entry.actorName}”` : entry.actorName;
  if (entry.actorApiKeyId) return 'A deleted API key';
  if (entry.actorUserId) return 'A former member';
  return 'Leadline';
}

function capitalise(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
