import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { TwilioConnection, TwilioNumber } from '../api/types';
import { ConfirmDialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { attempt, useList } from './use-list';

const EMPTY_FORM = { accountSid: '', authToken: '', apiKeySid: '', apiKeySecret: '' };

/** The workspace's Twilio account (secrets are write-only) and its numbers for SMS and caller id. */
export function Twilio() {
  const connection = useQuery({
    queryKey: keys.list('/twilio/connection'),
    queryFn: async ({ signal }) => {
      try {
        return await api<TwilioConnection>('GET', '/twilio/connection', undefined, { signal });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  const numbers = useList<TwilioNumber>('/twilio/numbers');
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY_FORM);
  const [useApiKey, setUseApiKey] = useState(false);
  const [busy, setBusy] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const [newNumber, setNewNumber] = useState('');
  const reload = async () => {
    await Promise.all([connection.refetch(), numbers.reload()]);
  };
  const connected = connection.data ?? null;
  const shownError = error ?? numbers.error ?? (connection.error ? describeError(connection.error) : null);

  const connect = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const body = {
      accountSid: form.accountSid.trim(),
      authToken: form.authToken.trim(),
      ...(useApiKey ? { apiKeySid: form.apiKeySid.trim(), apiKeySecret: form.apiKeySecret.trim() } : {}),
    };
    const done = await attempt(
      async () => {
        await api('PUT', '/twilio/connection', body);
        // The numbers of a newly connected account, read from Twilio at once.
        await api('POST', '/twilio/numbers/sync');
      },
      setError,
      reload,
    );
    setBusy(false);
    // Secrets leave the page once Twilio accepted them.
    if (done) setForm(EMPTY_FORM);
  };

  return (
    <>
      <h1>Twilio</h1>
      <p className="muted">{t('twilio.intro')}</p>
      <ErrorNote message={shownError} />
      {connected === null && connection.isSuccess && (
        <Empty title={t('twilio.notConnected')}>{t('twilio.notConnectedHint')}</Empty>
      )}
      {connected && (
        <section className="card" aria-labelledby="twilio-account">
          <h2 id="twilio-account">{t('integration.connectedAccount')}</h2>
          <dl className="facts">
            <dt>{t('twilio.accountSid')}</dt>
            <dd className="mono">{connected.accountSid}</dd>
            {connected.friendlyName && (
              <>
                <dt>{t('channels.name')}</dt>
                <dd>{connected.friendlyName}</dd>
              </>
            )}
            <dt>{t('twilio.authentication')}</dt>
            <dd>
              {connected.authentication === 'api-key'
                ? t('twilio.apiKey', { sid: connected.apiKeySid ?? '' })
                : t('twilio.authToken')}
            </dd>
            <dt>{t('twilio.checked')}</dt>
            <dd>{fullTime(connected.verifiedAt)}</dd>
          </dl>
          <button type="button" className="danger" onClick={() => setDisconnecting(true)}>
            {t('twilio.disconnect')}
          </button>
        </section>
      )}
      {connected && (
        <section className="card" aria-labelledby="twilio-numbers">
          <h2 id="twilio-numbers">{t('twilio.numbers')}</h2>
          <p className="muted">{t('twilio.numbersHint')}</p>
          {numbers.items && numbers.items.length === 0 && (
            <Empty title={t('twilio.noNumbers')}>{t('twilio.noNumbersHint')}</Empty>
          )}
          <ul className="rows">
            {(numbers.items ?? []).map((number) => (
              <li key={number.id} className="row">
                <strong className="mono">{number.phoneE164}</strong>
                {number.voice && <span className="tag">{t('twilio.calls')}</span>}
                {number.sms && <span className="tag">SMS</span>}
                <button
                  type="button"
                  onClick={() =>
                    void attempt(() => api('DELETE', `/twilio/numbers/${number.id}`), setError, reload)
                  }
                >
                  {t('llm.remove')}
                  <span className="visually-hidden"> {number.phoneE164}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="inline-form">
            <button
              type="button"
              onClick={() => void attempt(() => api('POST', '/twilio/numbers/sync'), setError, reload)}
            >
              {t('twilio.refresh')}
            </button>
          </div>
          <form
            className="inline-form"
            onSubmit={async (event) => {
              event.preventDefault();
              const body = { phoneE164: newNumber.replace(/[\s().-]/g, ''), sms: false, voice: true };
              if (await attempt(() => api('POST', '/twilio/numbers', body), setError, reload))
                setNewNumber('');
            }}
          >
            <label>
              {t('twilio.addCallerId')}
              <input
                type="tel"
                required
                placeholder="+390212345678"
                value={newNumber}
                onChange={(event) => setNewNumber(event.target.value)}
              />
            </label>
            <button type="submit">{t('twilio.addNumber')}</button>
          </form>
        </section>
      )}
      <form className="card form-grid" onSubmit={connect}>
        <h2>{connected ? t('twilio.replace') : t('twilio.connect')}</h2>
        <label>
          {t('twilio.accountSid')}
          <input
            required
            autoComplete="off"
            spellCheck={false}
            pattern="AC[0-9a-f]{32}"
            title={t('twilio.accountSidRule')}
            value={form.accountSid}
            onChange={(event) => setForm({ ...form, accountSid: event.target.value })}
          />
        </label>
        <label>
          {t('twilio.authToken')}
          <input
            type="password"
            required
            autoComplete="off"
            value={form.authToken}
            onChange={(event) => setForm({ ...form, authToken: event.target.value })}
          />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={useApiKey}
            onChange={(event) => setUseApiKey(event.target.checked)}
          />
          {t('twilio.useApiKey')}
        </label>
        {useApiKey && (
          <>
            <label>
              {t('twilio.apiKeySid')}
              <input
                required
                autoComplete="off"
                spellCheck={false}
                value={form.apiKeySid}
                onChange={(event) => setForm({ ...form, apiKeySid: event.target.value })}
              />
            </label>
            <label>
              {t('twilio.apiKeySecret')}
              <input
                type="password"
                required
                autoComplete="off"
                value={form.apiKeySecret}
                onChange={(event) => setForm({ ...form, apiKeySecret: event.target.value })}
              />
            </label>
          </>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('twilio.checking') : connected ? t('twilio.checkAndSave') : t('channels.connect')}
        </button>
      </form>
      {disconnecting && (
        <ConfirmDialog
          title={t('twilio.disconnectTitle')}
          confirm={t('twilio.disconnectShort')}
          onClose={() => setDisconnecting(false)}
          onConfirm={() => {
            void attempt(() => api('DELETE', '/twilio/connection'), setError, reload);
          }}
        >
          <p>{t('twilio.disconnectHint')}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
