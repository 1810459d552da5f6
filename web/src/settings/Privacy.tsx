import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client';
import type { RetentionKind, RetentionPolicy } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote, QueryError } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { DataKeys } from './DataKeys';

const policyKey = ['privacy', 'retention'] as const;
const lastRunKey = ['privacy', 'retention', 'last-run'] as const;

/** The retention categories in the order shown, with what each removes. */
const CATEGORIES: Exclude<RetentionKind, 'auditPseudonymise'>[] = [
  'messages',
  'media',
  'webhookEvents',
  'callRecords',
  'llmCalls',
  'closedConversations',
];
const categoryDays = (kind: Exclude<RetentionKind, 'auditPseudonymise'>): string =>
  ({
    messages: t('privacy.days.messages'),
    media: t('privacy.days.media'),
    webhookEvents: t('privacy.days.webhookEvents'),
    callRecords: t('privacy.days.callRecords'),
    llmCalls: t('privacy.days.llmCalls'),
    closedConversations: t('privacy.days.closedConversations'),
  })[kind];

/** "1,234 messages": how many of a kind the last run removed. */
const removed = (kind: string, count: number): string =>
  t('privacy.removed', {
    count,
    kind: [
      'messages',
      'media',
      'webhookEvents',
      'callRecords',
      'llmCalls',
      'closedConversations',
      'auditPseudonymise',
      'blobs',
    ].includes(kind)
      ? kind
      : 'other',
    name: kind,
  });

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
      <h1>{t('settings.page.privacy')}</h1>
      <p className="muted">{t('privacy.intro')}</p>
      <QueryError query={policy} />
      {policy.data && <RetentionForm policy={policy.data} />}
      <section className="card" aria-labelledby="retention-last-run">
        <h2 id="retention-last-run">{t('privacy.lastRun')}</h2>
        <ErrorNote message={lastRun.error ? describeError(lastRun.error) : null} />
        {lastRun.data?.ranAt === null && <Empty title={t('privacy.notRun')} />}
        {lastRun.data?.ranAt && (
          <>
            <p>{t('privacy.ran', { when: fullTime(lastRun.data.ranAt) })}</p>
            {Object.keys(lastRun.data.removed).length === 0 ? (
              <p>{t('privacy.nothingRemoved')}</p>
            ) : (
              <ul>
                {Object.entries(lastRun.data.removed).map(([kind, count]) => (
                  <li key={kind}>{removed(kind, count)}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
      <DataKeys />
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
    setSaved(t('privacy.saved'));
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
      <h2>{t('privacy.retention')}</h2>
      <p className="muted">{t('privacy.retentionHint')}</p>
      {CATEGORIES.map((kind) => dayField(kind, categoryDays(kind), ''))}
      {dayField('auditPseudonymise', t('privacy.days.audit'), t('privacy.days.auditHint'))}
      <label className="check">
        <input
          type="checkbox"
          checked={keepAcceptedQuotes}
          onChange={(event) => setKeepAcceptedQuotes(event.target.checked)}
        />
        {t('privacy.legalHold')}
      </label>
      <ErrorNote message={error} />
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('privacy.save')}
      </button>
    </form>
  );
}
