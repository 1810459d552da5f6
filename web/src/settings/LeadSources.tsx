import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, describeError } from '../api/client';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { rich, t } from '../i18n/i18n';
import { attempt, useList } from './use-list';

interface LeadSource {
  id: string;
  name: string;
  kind: 'webhook' | 'phantombuster';
  endpoint: string;
  phantombusterAgentId: string | null;
  defaultCountry: string | null;
  enabled: boolean;
  previousSecretExpiresAt: string | null;
  lastReceivedAt: string | null;
  createdAt: string;
}

interface EnrichmentSettings {
  enabled: boolean;
  monthlyBudget: number;
  usedThisMonth: number;
  provider: string;
  available: boolean;
}

/** Lead sources (signed webhooks, Phantombuster agents) and company enrichment, for owners and admins. */
export function LeadSources() {
  const { items, error, setError, reload } = useList<LeadSource & { secret?: string | null }>(
    '/lead-sources',
  );
  const [shown, setShown] = useState<string | null>(null);
  const [kind, setKind] = useState<LeadSource['kind']>('webhook');
  const [name, setName] = useState('');
  const [agentId, setAgentId] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [country, setCountry] = useState('');

  const issue = (work: () => Promise<{ secret: string | null }>) =>
    attempt(
      async () => {
        setShown((await work()).secret);
      },
      setError,
      reload,
    );

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const body =
      kind === 'webhook'
        ? { kind, name }
        : { kind, name, agentId, apiKey, defaultCountry: country.trim() === '' ? null : country.trim() };
    if (await issue(() => api('POST', '/lead-sources', body))) {
      setName('');
      setAgentId('');
      setApiKey('');
    }
  };

  return (
    <>
      <h1>{t('settings.page.leadSources')}</h1>
      <ErrorNote message={error} />
      {shown && (
        <div className="once" role="status">
          <p>{rich('leadSources.copyNow', [(words) => <strong>{words}</strong>])}</p>
          <p className="mono">{shown}</p>
          <button type="button" onClick={() => setShown(null)}>
            {t('apiKeys.done')}
          </button>
        </div>
      )}
      {items && items.length === 0 && (
        <Empty title={t('leadSources.empty')}>{t('leadSources.emptyHint')}</Empty>
      )}
      <ul className="rows">
        {(items ?? []).map((source) => (
          <li key={source.id} className="row">
            <strong>{source.name}</strong>{' '}
            <span className="tag">
              {source.kind === 'webhook' ? t('leadSources.kind.webhook') : 'Phantombuster'}
            </span>
            {!source.enabled && <span className="tag">{t('leadSources.disabled')}</span>}
            <span className="mono">{source.endpoint}</span>
            <span className="muted">
              {source.lastReceivedAt
                ? t('leadSources.lastLead', { when: fullTime(source.lastReceivedAt) })
                : t('leadSources.noLead')}
            </span>
            {source.kind === 'webhook' && (
              <button
                type="button"
                aria-label={t('leadSources.rotateNamed', { name: source.name })}
                onClick={() => void issue(() => api('POST', `/lead-sources/${source.id}/rotate-secret`))}
              >
                {t('leadSources.rotate')}
              </button>
            )}
            <button
              type="button"
              aria-label={
                source.enabled
                  ? t('leadSources.disableNamed', { name: source.name })
                  : t('leadSources.enableNamed', { name: source.name })
              }
              onClick={() =>
                void attempt(
                  () => api('POST', `/lead-sources/${source.id}/${source.enabled ? 'disable' : 'enable'}`),
                  setError,
                  reload,
                )
              }
            >
              {source.enabled ? t('channels.disable') : t('channels.enable')}
            </button>
          </li>
        ))}
      </ul>
      <form className="card form-grid" onSubmit={create}>
        <h2>{t('leadSources.create')}</h2>
        <label>
          {t('fields.type')}
          <select value={kind} onChange={(event) => setKind(event.target.value as LeadSource['kind'])}>
            <option value="webhook">{t('leadSources.webhookOption')}</option>
            <option value="phantombuster">{t('leadSources.phantombusterOption')}</option>
          </select>
        </label>
        <label>
          {t('channels.name')}
          <input required value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        {kind === 'phantombuster' && (
          <>
            <label>
              {t('leadSources.agentId')}
              <input
                required
                inputMode="numeric"
                pattern="[0-9]{1,30}"
                value={agentId}
                onChange={(event) => setAgentId(event.target.value)}
              />
            </label>
            <label>
              {t('leadSources.phantombusterKey')}
              <input
                required
                type="password"
                autoComplete="off"
                value={apiKey}
                onChange={(event) => setApiKey(event.target.value)}
              />
            </label>
            <label>
              {t('leadSources.country')}
              <input
                value={country}
                maxLength={2}
                pattern="[A-Z]{2}"
                onChange={(event) => setCountry(event.target.value.toUpperCase())}
              />
            </label>
          </>
        )}
        <button type="submit" className="primary">
          {t('leadSources.createButton')}
        </button>
      </form>
      <Enrichment />
    </>
  );
}

function Enrichment() {
  const settings = useQuery({
    queryKey: ['enrichment-settings'],
    queryFn: ({ signal }) => api<EnrichmentSettings>('GET', '/enrichment/settings', undefined, { signal }),
  });
  const [enabled, setEnabled] = useState(false);
  const [budget, setBudget] = useState('100');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!settings.data) return;
    setEnabled(settings.data.enabled);
    setBudget(String(settings.data.monthlyBudget));
  }, [settings.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    try {
      await api('PUT', '/enrichment/settings', { enabled, monthlyBudget: Number(budget) });
      setError(null);
      setSaved(true);
      await settings.refetch();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const data = settings.data;
  return (
    <form className="card form-grid" onSubmit={save} aria-labelledby="enrichment-heading">
      <h2 id="enrichment-heading">{t('enrichment.title')}</h2>
      <ErrorNote message={error ?? (settings.error ? describeError(settings.error) : null)} />
      <p className="muted">
        {t('enrichment.hint', { provider: data?.provider ?? t('enrichment.provider') })}
      </p>
      {data && !data.available && <p role="note">{t('enrichment.unavailable')}</p>}
      {data && (
        <p role="status">{t('enrichment.used', { used: data.usedThisMonth, budget: data.monthlyBudget })}</p>
      )}
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        <span>{t('enrichment.enable')}</span>
      </label>
      <label>
        {t('enrichment.budget')}
        <input
          type="number"
          min={0}
          max={1000000}
          required
          value={budget}
          onChange={(event) => setBudget(event.target.value)}
        />
      </label>
      <button type="submit" className="primary">
        {t('enrichment.save')}
      </button>
      {saved && <p role="status">{t('llm.saved')}</p>}
    </form>
  );
}
