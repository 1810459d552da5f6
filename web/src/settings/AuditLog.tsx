import { useCallback, useEffect, useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import type { AuditEntry, Page } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';

export function AuditLog() {
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  const load = useCallback(async (after: string | null) => {
    try {
      const page = await api<Page<AuditEntry>>('GET', withQuery('/audit-log', { limit: 50, cursor: after }));
      setItems((current) => (after ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setLoaded(true);
    }
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <>
      <h1>Audit log</h1>
      <ErrorNote message={error} onRetry={() => void load(null)} />
      {loaded && items.length === 0 && !error && <Empty title="Nothing recorded yet" />}
      <table className="table">
        <thead>
          <tr>
            <th>When</th>
            <th>Action</th>
            <th>By</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {items.map((entry) => (
            <tr key={entry.id}>
              <td>{fullTime(entry.createdAt)}</td>
              <td className="mono">{entry.action}</td>
              <td className="mono">{entry.actorUserId ?? entry.actorApiKeyId ?? 'system'}</td>
              <td className="mono detail">{JSON.stringify(entry.detail)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </>
  );
}
