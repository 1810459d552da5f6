import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, describeError } from '../api/client';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
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
      <h1>Lead sources</h1>
      <ErrorNote message={error} />
      {shown && (
        <div className="once" role="status">
          <p>
            <strong>Copy this signing secret now.</strong> It is shown only once.
          </p>
          <p className="mono">{shown}</p>
          <button type="button" onClick={() => setShown(null)}>
            Done
          </button>
        </div>
      )}
      {items && items.length === 0 && (
        <Empty title="No lead sources">
          Create one below for a web form, a landing page or Phantombuster.
        </Empty>
      )}
      <ul className="rows">
        {(items ?? []).map((source) => (
          <li key={source.id} className="row">
            <strong>{source.name}</strong> <span className="tag">{source.kind}</span>
            {!source.enabled && <span className="tag">disabled</span>}
            <span className="mono">{source.endpoint}</span>
            <span className="muted">
              last lead {source.lastReceivedAt ? fullTime(source.lastReceivedAt) : 'never'}
            </span>
            {source.kind === 'webhook' && (
              <button
                type="button"
                aria-label={`Rotate secret of ${source.name}`}
                onClick={() => void issue(() => api('POST', `/lead-sources/${source.id}/rotate-secret`))}
              >
                Rotate secret
              </button>
            )}
            <button
              type="button"
              aria-label={`${source.enabled ? 'Disable' : 'Enable'} ${source.name}`}
              onClick={() =>
                void attempt(
                  () => api('POST', `/lead-sources/${source.id}/${source.enabled ? 'disable' : 'enable'}`),
                  setError,
                  reload,
                )
              }
            >
              {source.enabled ? 'Disable' : 'Enable'}
            </button>
          </li>
        ))}
      </ul>
      <form className="card form-grid" onSubmit={create}>
        <h2>Create a lead source</h2>
        <label>
          Type
          <select value={kind} onChange={(event) => setKind(event.target.value as LeadSource['kind'])}>
            <option value="webhook">Signed webhook (forms, landing pages, Zapier)</option>
            <option value="phantombuster">Phantombuster agent</option>
          </select>
        </label>
        <label>
          Name
          <input required value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        {kind === 'phantombuster' && (
          <>
            <label>
              Agent id
              <input
                required
                inputMode="numeric"
                pattern="[0-9]{1,30}"
                value={agentId}
                onChange={(event) => setAgentId(event.target.value)}
              />
            </label>
            <label>
              Phantombuster API key
              <input
                required
                type="password"
                autoComplete="off"
                value={apiKey}
                onChange={(event) => setApiKey(event.target.value)}
              />
            </label>
            <label>
              Country of numbers without a prefix (e.g. IT)
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
          Create source
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
      <h2 id="enrichment-heading">Company enrichment</h2>
      <ErrorNote message={error ?? (settings.error ? describeError(settings.error) : null)} />
      <p className="muted">
        Looks up a new lead’s company from their e-mail domain ({data?.provider ?? 'provider'}); free-mail
        addresses are never looked up.
      </p>
      {data && !data.available && <p role="note">No enrichment provider key is configured on this server.</p>}
      {data && (
        <p role="status">
          {data.usedThisMonth} of {data.monthlyBudget} lookups used this month.
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        <span>Enrich new leads</span>
      </label>
      <label>
        Monthly budget (lookups)
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
        Save enrichment
      </button>
      {saved && <p role="status">Saved.</p>}
    </form>
  );
}
