import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client';
import type { RetentionKind, RetentionPolicy } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';

const policyKey = ['privacy', 'retention'] as const;
const lastRunKey = ['privacy', 'retention', 'last-run'] as const;

/** The retention categories in the order shown, with what each removes. */
const CATEGORIES: { kind: Exclude<RetentionKind, 'auditPseudonymise'>; label: string }[] = [
  { kind: 'messages', label: 'Messages' },
  { kind: 'media', label: 'Media files (photos, documents, voice notes)' },
  { kind: 'webhookEvents', label: 'Raw webhook events and receipts' },
  { kind: 'callRecords', label: 'Call records' },
  { kind: 'llmCalls', label: 'LLM call logs' },
  { kind: 'closedConversations', label: 'Closed conversations' },
];

const REMOVED_NAMES: Record<string, string> = {
  messages: 'messages',
  media: 'media rows',
  webhookEvents: 'raw webhook events',
  callRecords: 'call records',
  llmCalls: 'LLM call logs',
  closedConversations: 'closed conversations',
  auditPseudonymise: 'audit entries pseudonymised',
  blobs: 'media files',
};

interface RetentionRun {
  ranAt: string | null;
  removed: Record<string, number>;
}

/** Settings › Privacy: how long each kind of data is kept, the legal hold, and the last retention run. */
export function Privacy() {
  const policy = useQuery({
    queryKey: policyKey,
    queryFn: ({ signal }) => api<RetentionPolicy>('GET', '/privacy/retention', undefined, { signal }),
  });
  const lastRun = useQuery({
    queryKey: lastRunKey,
    queryFn: ({ signal }) => api<RetentionRun>('GET', '/privacy/retention/last-run', undefined, { signal }),
  });
  return (
    <>
      <h1>Privacy</h1>
      <p className="muted">
        A daily job removes data older than these limits. To erase or export one person's data, open their
        contact page.
      </p>
      <ErrorNote
        message={policy.error ? describeError(policy.error) : null}
        onRetry={() => void policy.refetch()}
      />
      {policy.data && <RetentionForm policy={policy.data} />}
      <section className="card" aria-labelledby="retention-last-run">
        <h2 id="retention-last-run">Last retention run</h2>
        <ErrorNote message={lastRun.error ? describeError(lastRun.error) : null} />
        {lastRun.data?.ranAt === null && <Empty title="The retention job has not run yet" />}
        {lastRun.data?.ranAt && (
          <>
            <p>Ran {fullTime(lastRun.data.ranAt)}.</p>
            {Object.keys(lastRun.data.removed).length === 0 ? (
              <p>Nothing was old enough to remove.</p>
            ) : (
              <ul>
                {Object.entries(lastRun.data.removed).map(([kind, count]) => (
                  <li key={kind}>
                    {count.toLocaleString('en')} {REMOVED_NAMES[kind] ?? kind}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
    </>
  );
}

const toText = (days: number | null) => (days === null ? '' : String(days));

function RetentionForm(props: { policy: RetentionPolicy }) {
  const client = useQueryClient();
  const [days, setDays] = useState(() =>
    Object.fromEntries(Object.entries(props.policy.days).map(([kind, value]) => [kind, toText(value)])),
  );
  const [keepAcceptedQuotes, setKeepAcceptedQuotes] = useState(props.policy.keepAcceptedQuotes);
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(async () => {
    setSaved(null);
    const body: RetentionPolicy = {
      days: Object.fromEntries(
        Object.entries(days).map(([kind, text]) => [kind, text.trim() === '' ? null : Number(text)]),
      ) as RetentionPolicy['days'],
      keepAcceptedQuotes,
    };
    const result = await api<RetentionPolicy>('PUT', '/privacy/retention', body);
    client.setQueryData(policyKey, result);
    setSaved('Saved. The next daily run applies the new limits.');
  });
  const dayField = (kind: RetentionKind, label: string, hint: string) => (
    <label key={kind}>
      {label}
      <input
        type="number"
        inputMode="numeric"
        min={1}
        max={36500}
        step={1}
        value={days[kind] ?? ''}
        onChange={(event) => setDays((current) => ({ ...current, [kind]: event.target.value }))}
      />
      <span className="muted">{hint}</span>
    </label>
  );
  return (
    <form className="card settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <h2>Retention</h2>
      <p className="muted">
        Days to keep each kind of data. Leave a field empty to keep it until it is erased.
      </p>
      {CATEGORIES.map(({ kind, label }) => dayField(kind, `${label} (days)`, ''))}
      {dayField(
        'auditPseudonymise',
        'Pseudonymise the audit log after (days)',
        'Entries older than this lose the IP address and browser; what happened and who did it stay.',
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={keepAcceptedQuotes}
          onChange={(event) => setKeepAcceptedQuotes(event.target.checked)}
        />
        Legal hold: keep accepted quotes' numbers and amounts, without personal data, when a contact is erased
      </label>
      <ErrorNote message={error} />
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        Save retention
      </button>
    </form>
  );
}
