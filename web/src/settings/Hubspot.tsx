import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { HubspotConnection, HubspotSyncStatus } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { rich, t } from '../i18n/i18n';
import { attempt } from './use-list';

/** Leadline fields the mapping offers (custom fields are `custom:<key>`, entered by hand). */
const FIELDS: { id: string; label: () => string }[] = [
  { id: 'firstName', label: () => t('contact.field.firstName') },
  { id: 'lastName', label: () => t('contact.field.lastName') },
  { id: 'email', label: () => t('contact.field.email') },
  { id: 'phoneE164', label: () => t('hubspot.field.phone') },
  { id: 'company', label: () => t('contact.field.company') },
  { id: 'stage', label: () => t('hubspot.field.stage') },
  { id: 'source', label: () => t('hubspot.field.source') },
  { id: 'consent.email_marketing', label: () => t('hubspot.field.emailConsent') },
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
      <p className="muted">{t('hubspot.intro')}</p>
      <ErrorNote message={shownError} />
      {connected === null && connection.isSuccess && (
        <Empty title={t('hubspot.notConnected')}>{t('hubspot.notConnectedHint')}</Empty>
      )}
      {connected && (
        <section className="card" aria-labelledby="hubspot-account">
          <h2 id="hubspot-account">{t('integration.connectedAccount')}</h2>
          <dl className="facts">
            <dt>{t('hubspot.account')}</dt>
            <dd className="mono">{connected.portalId}</dd>
            <dt>{t('hubspot.checked')}</dt>
            <dd>{fullTime(connected.verifiedAt)}</dd>
            <dt>{t('hubspot.webhooks')}</dt>
            <dd>{connected.webhooks ? t('integration.on') : t('integration.off')}</dd>
          </dl>
          <button
            type="button"
            className="danger"
            onClick={() => void attempt(() => api('DELETE', '/hubspot/connection'), setError, reload)}
          >
            {t('hubspot.disconnect')}
          </button>
        </section>
      )}
      {connected && (
        <section className="card" aria-labelledby="hubspot-sync" aria-live="polite">
          <h2 id="hubspot-sync">{t('hubspot.sync')}</h2>
          {status && (
            <dl className="facts">
              <dt>{t('hubspot.lastSync')}</dt>
              <dd data-testid="hubspot-last-sync">
                {status.lastSyncAt ? fullTime(status.lastSyncAt) : t('hubspot.notYet')}
              </dd>
              <dt>{t('hubspot.synced')}</dt>
              <dd data-testid="hubspot-synced">{status.syncedTotal}</dd>
              <dt>{t('hubspot.backlog')}</dt>
              <dd data-testid="hubspot-backlog">{status.backlog}</dd>
            </dl>
          )}
          {status && status.errors.length > 0 && (
            <>
              <h3>{t('hubspot.refused')}</h3>
              <p className="muted">
                {rich('hubspot.refusedHint', [
                  (words) => <Link to="/settings/failed-jobs?task=hubspot.sync-record">{words}</Link>,
                ])}
              </p>
              <ul className="rows">
                {status.errors.map((item) => (
                  <li key={`${item.kind}:${item.refId}`} className="row">
                    {item.kind === 'contact' ? (
                      <a href={`/contacts/${item.refId}`}>{t('hubspot.contact')}</a>
                    ) : (
                      <span>{t('hubspot.deal')}</span>
                    )}
                    <span>{item.error}</span>
                    <span className="muted">
                      {t('hubspot.attempts', { count: item.attempts, since: fullTime(item.since) })}
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
          <h2 id="hubspot-mapping">{t('hubspot.mapping')}</h2>
          <p className="muted">
            {rich('hubspot.mappingHint', [(name) => <span className="mono">{name}</span>])}
          </p>
          {FIELDS.map((field) => (
            <label key={field.id}>
              {field.label()}
              <input
                value={shownMapping[field.id] ?? ''}
                onChange={(event) => setMapping({ ...shownMapping, [field.id]: event.target.value })}
                placeholder={t('hubspot.property')}
              />
            </label>
          ))}
          <button type="submit">{t('hubspot.saveMapping')}</button>
        </form>
      )}
      <form className="card" aria-labelledby="hubspot-connect" onSubmit={connect}>
        <h2 id="hubspot-connect">{connected ? t('hubspot.replace') : t('hubspot.connect')}</h2>
        <label>
          {t('hubspot.token')}
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
          {t('hubspot.webhookSecret')}
          <input
            type="password"
            autoComplete="off"
            value={webhookSecret}
            onChange={(event) => setWebhookSecret(event.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {connected ? t('hubspot.saveToken') : t('channels.connect')}
        </button>
      </form>
    </>
  );
}
