import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { HubspotConnection, HubspotSyncStatus } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { attempt } from './use-list';

/** Leadline fields the mapping offers (custom fields are `custom:<key>`, entered by hand). */
const FIELDS: { id: string; label: string }[] = [
  { id: 'firstName', label: 'First name' },
  { id: 'lastName', label: 'Last name' },
  { id: 'email', label: 'E-mail' },
  { id: 'phoneE164', label: 'Phone' },
  { id: 'company', label: 'Company' },
  { id: 'stage', label: 'Pipeline stage' },
  { id: 'source', label: 'Source' },
  { id: 'consent.email_marketing', label: 'E-mail marketing consent' },
];

async function orNull<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** Settings › HubSpot: the connection (token write-only), the field mapping and the sync's state. */
export function Hubspot() {
  const connection = useQuery({
    queryKey: keys.list('/hubspot/connection'),
    queryFn: ({ signal }) =>
      orNull(() => api<HubspotConnection>('GET', '/hubspot/connection', undefined, { signal })),
  });
  const connected = connection.data ?? null;
  const sync = useQuery({
    queryKey: keys.list('/hubspot/sync'),
    queryFn: ({ signal }) =>
      orNull(() => api<HubspotSyncStatus>('GET', '/hubspot/sync', undefined, { signal })),
    enabled: connected !== null,
    refetchInterval: 3_000,
  });
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [mapping, setMapping] = useState<Record<string, string> | null>(null);
  const [busy, setBusy] = useState(false);
  const reload = async () => {
    await Promise.all([connection.refetch(), sync.refetch()]);
  };
  const shownMapping = mapping ?? connected?.mapping ?? {};
  const shownError = error ?? (connection.error ? describeError(connection.error) : null);

  const connect = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const body = {
      token: token.trim(),
      ...(webhookSecret.trim() ? { webhookSecret: webhookSecret.trim() } : {}),
    };
    const done = await attempt(() => api('PUT', '/hubspot/connection', body), setError, reload);
    setBusy(false);
    // The token leaves the page once HubSpot accepted it.
    if (done) {
      setToken('');
      setWebhookSecret('');
    }
  };

  const saveMapping = async (event: FormEvent) => {
    event.preventDefault();
    const cleaned = Object.fromEntries(
      Object.entries(shownMapping).filter(([, property]) => property.trim() !== ''),
    );
    if (await attempt(() => api('PUT', '/hubspot/mapping', { mapping: cleaned }), setError, reload))
      setMapping(null);
  };

  const status = sync.data ?? null;
  return (
    <>
      <h1>HubSpot</h1>
      <p className="muted">
        Leadline keeps HubSpot’s contacts up to date with your leads and creates a deal when a quote is
        accepted. Connect with a private-app access token: Leadline checks it with HubSpot, keeps it encrypted
        and never shows it again.
      </p>
      <ErrorNote message={shownError} />
      {connected === null && connection.isSuccess && (
        <Empty title="HubSpot is not connected">
          Create a private app in HubSpot (Settings › Integrations › Private apps) with the CRM contacts and
          deals scopes, and paste its access token below.
        </Empty>
      )}
      {connected && (
        <section className="card" aria-labelledby="hubspot-account">
          <h2 id="hubspot-account">Connected account</h2>
          <dl className="facts">
            <dt>HubSpot account</dt>
            <dd className="mono">{connected.portalId}</dd>
            <dt>Checked with HubSpot</dt>
            <dd>{fullTime(connected.verifiedAt)}</dd>
            <dt>Inbound webhooks</dt>
            <dd>{connected.webhooks ? 'On' : 'Off'}</dd>
          </dl>
          <button
            type="button"
            className="danger"
            onClick={() => void attempt(() => api('DELETE', '/hubspot/connection'), setError, reload)}
          >
            Disconnect HubSpot
          </button>
        </section>
      )}
      {connected && (
        <section className="card" aria-labelledby="hubspot-sync" aria-live="polite">
          <h2 id="hubspot-sync">Sync</h2>
          {status && (
            <dl className="facts">
              <dt>Last sync</dt>
              <dd data-testid="hubspot-last-sync">
                {status.lastSyncAt ? fullTime(status.lastSyncAt) : 'Not yet'}
              </dd>
              <dt>Records synced</dt>
              <dd data-testid="hubspot-synced">{status.syncedTotal}</dd>
              <dt>Waiting to sync</dt>
              <dd data-testid="hubspot-backlog">{status.backlog}</dd>
            </dl>
          )}
          {status && status.errors.length > 0 && (
            <>
              <h3>Records HubSpot refused</h3>
              <p className="muted">
                Each is retried on its own; one that keeps failing lands in Settings ›{' '}
                <Link to="/settings/failed-jobs?task=hubspot.sync-record">Failed jobs</Link>, where it can be
                replayed.
              </p>
              <ul className="rows">
                {status.errors.map((item) => (
                  <li key={`${item.kind}:${item.refId}`} className="row">
                    {item.kind === 'contact' ? (
                      <a href={`/contacts/${item.refId}`}>Contact</a>
                    ) : (
                      <span>Deal</span>
                    )}
                    <span>{item.error}</span>
                    <span className="muted">
                      {item.attempts} attempt{item.attempts === 1 ? '' : 's'} since {fullTime(item.since)}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      {connected && (
        <form className="card" aria-labelledby="hubspot-mapping" onSubmit={saveMapping}>
          <h2 id="hubspot-mapping">Field mapping</h2>
          <p className="muted">
            The HubSpot contact property each Leadline field is written to (leave empty to skip it). Leadline
            matches contacts by its own <span className="mono">leadline_id</span> property, then by e-mail.
          </p>
          {FIELDS.map((field) => (
            <label key={field.id}>
              {field.label}
              <input
                value={shownMapping[field.id] ?? ''}
                onChange={(event) => setMapping({ ...shownMapping, [field.id]: event.target.value })}
                placeholder="HubSpot property name"
              />
            </label>
          ))}
          <button type="submit">Save mapping</button>
        </form>
      )}
      <form className="card" aria-labelledby="hubspot-connect" onSubmit={connect}>
        <h2 id="hubspot-connect">{connected ? 'Replace the token' : 'Connect HubSpot'}</h2>
        <label>
          Private-app access token
          <input
            type="password"
            autoComplete="off"
            required
            placeholder="pat-eu1-…"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </label>
        <label>
          Webhook client secret (optional)
          <input
            type="password"
            autoComplete="off"
            value={webhookSecret}
            onChange={(event) => setWebhookSecret(event.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {connected ? 'Save token' : 'Connect'}
        </button>
      </form>
    </>
  );
}
