import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { attempt } from './use-list';

interface EmailEventSettings {
  postmarkWebhookUrl: string;
  lemlistWebhookUrl: string;
  lemlist: { connected: boolean; connectedAt: string | null };
}

/** One webhook URL to copy into a provider, with its rotation. */
function WebhookUrl(props: { id: string; label: string; url: string; onRotate: () => void; busy: boolean }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="webhook-url">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        className="mono"
        readOnly
        value={props.url}
        onFocus={(event) => event.target.select()}
      />
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(props.url).then(() => setCopied(true));
        }}
      >
        {copied ? t('emailEvents.copied') : t('emailEvents.copy')}
      </button>
      <button type="button" className="danger" disabled={props.busy} onClick={props.onRotate}>
        {t('emailEvents.rotate')}
      </button>
    </div>
  );
}

/**
 * Settings › E-mail events: the webhook URLs to paste into Postmark and Lemlist (their credentials are in
 * the URL, so a leaked one is rotated here), and the Lemlist API key outreach campaigns push leads with.
 */
export function EmailEvents() {
  const settings = useQuery({
    queryKey: keys.list('/settings/email-events'),
    queryFn: ({ signal }) => api<EmailEventSettings>('GET', '/settings/email-events', undefined, { signal }),
  });
  const [error, setError] = useState<string | null>(null);
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const reload = async () => {
    await settings.refetch();
  };
  const rotate = async (provider: 'postmark' | 'lemlist') => {
    const name = provider === 'postmark' ? 'Postmark' : 'Lemlist';
    if (!window.confirm(t('emailEvents.rotateConfirm', { name }))) return;
    setBusy(true);
    await attempt(() => api('POST', '/settings/email-events/rotate', { provider }), setError, reload);
    setBusy(false);
  };
  const connect = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const done = await attempt(
      () => api('PUT', '/settings/email-events/lemlist', { apiKey: apiKey.trim() }),
      setError,
      reload,
    );
    setBusy(false);
    // The key leaves the page once Lemlist accepted it.
    if (done) setApiKey('');
  };
  const data = settings.data;
  return (
    <>
      <h1>{t('emailEvents.title')}</h1>
      <p className="muted">{t('emailEvents.intro')}</p>
      <ErrorNote message={error ?? (settings.error ? describeError(settings.error) : null)} />
      {data && (
        <section className="card" aria-labelledby="email-event-urls">
          <h2 id="email-event-urls">{t('emailEvents.urls.title')}</h2>
          <p className="muted">{t('emailEvents.urls.hint')}</p>
          <WebhookUrl
            id="postmark-webhook-url"
            label={t('emailEvents.urls.postmark')}
            url={data.postmarkWebhookUrl}
            busy={busy}
            onRotate={() => void rotate('postmark')}
          />
          <WebhookUrl
            id="lemlist-webhook-url"
            label={t('emailEvents.urls.lemlist')}
            url={data.lemlistWebhookUrl}
            busy={busy}
            onRotate={() => void rotate('lemlist')}
          />
        </section>
      )}
      {data?.lemlist.connected && (
        <section className="card" aria-labelledby="lemlist-connection">
          <h2 id="lemlist-connection">{t('emailEvents.lemlist.title')}</h2>
          <dl className="facts">
            <dt>{t('emailEvents.lemlist.connected')}</dt>
            <dd>{data.lemlist.connectedAt ? fullTime(data.lemlist.connectedAt) : ''}</dd>
          </dl>
          <button
            type="button"
            className="danger"
            onClick={() =>
              void attempt(() => api('DELETE', '/settings/email-events/lemlist'), setError, reload)
            }
          >
            {t('emailEvents.lemlist.disconnect')}
          </button>
        </section>
      )}
      <form className="card" aria-labelledby="lemlist-connect" onSubmit={connect}>
        <h2 id="lemlist-connect">
          {data?.lemlist.connected ? t('emailEvents.lemlist.replaceTitle') : t('emailEvents.lemlist.connect')}
        </h2>
        <p className="muted">{t('emailEvents.lemlist.hint')}</p>
        <label>
          {t('emailEvents.lemlist.apiKey')}
          <input
            type="password"
            autoComplete="off"
            required
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {data?.lemlist.connected ? t('emailEvents.lemlist.replace') : t('emailEvents.lemlist.connect')}
        </button>
      </form>
    </>
  );
}
