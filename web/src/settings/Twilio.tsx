import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { TwilioConnection, TwilioNumber } from '../api/types';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
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
      <p className="muted">
        Twilio places the call-backs your website widget asks for and sends their text messages. Leadline
        checks the credentials with Twilio before saving them, keeps them encrypted and never shows them
        again.
      </p>
      <ErrorNote message={shownError} />
      {connected === null && connection.isSuccess && (
        <Empty title="Twilio is not connected">
          Enter your Account SID and auth token below (Twilio Console, Account info).
        </Empty>
      )}
      {connected && (
        <section className="card" aria-labelledby="twilio-account">
          <h2 id="twilio-account">Connected account</h2>
          <dl className="facts">
            <dt>Account SID</dt>
            <dd className="mono">{connected.accountSid}</dd>
            {connected.friendlyName && (
              <>
                <dt>Name</dt>
                <dd>{connected.friendlyName}</dd>
              </>
            )}
            <dt>Authentication</dt>
            <dd>
              {connected.authentication === 'api-key' ? `API key ${connected.apiKeySid ?? ''}` : 'Auth token'}
            </dd>
            <dt>Checked with Twilio</dt>
            <dd>{fullTime(connected.verifiedAt)}</dd>
          </dl>
          <button type="button" className="danger" onClick={() => setDisconnecting(true)}>
            Disconnect Twilio
          </button>
        </section>
      )}
      {connected && (
        <section className="card" aria-labelledby="twilio-numbers">
          <h2 id="twilio-numbers">Numbers</h2>
          <p className="muted">Used as caller id for call-backs and to send text messages.</p>
          {numbers.items && numbers.items.length === 0 && (
            <Empty title="No numbers yet">
              Refresh from Twilio to load the account’s numbers, or add a verified caller id.
            </Empty>
          )}
          <ul className="rows">
            {(numbers.items ?? []).map((number) => (
              <li key={number.id} className="row">
                <strong className="mono">{number.phoneE164}</strong>
                {number.voice && <span className="tag">Calls</span>}
                {number.sms && <span className="tag">SMS</span>}
                <button
                  type="button"
                  onClick={() =>
                    void attempt(() => api('DELETE', `/twilio/numbers/${number.id}`), setError, reload)
                  }
                >
                  Remove<span className="visually-hidden"> {number.phoneE164}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="inline-form">
            <button
              type="button"
              onClick={() => void attempt(() => api('POST', '/twilio/numbers/sync'), setError, reload)}
            >
              Refresh from Twilio
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
              Add a caller id (E.164)
              <input
                type="tel"
                required
                placeholder="+390212345678"
                value={newNumber}
                onChange={(event) => setNewNumber(event.target.value)}
              />
            </label>
            <button type="submit">Add number</button>
          </form>
        </section>
      )}
      <form className="card form-grid" onSubmit={connect}>
        <h2>{connected ? 'Replace the credentials' : 'Connect Twilio'}</h2>
        <label>
          Account SID
          <input
            required
            autoComplete="off"
            spellCheck={false}
            pattern="AC[0-9a-f]{32}"
            title="AC followed by 32 hexadecimal digits"
            value={form.accountSid}
            onChange={(event) => setForm({ ...form, accountSid: event.target.value })}
          />
        </label>
        <label>
          Auth token
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
          Call Twilio’s API with an API key (the auth token still checks Twilio’s webhooks)
        </label>
        {useApiKey && (
          <>
            <label>
              API key SID
              <input
                required
                autoComplete="off"
                spellCheck={false}
                value={form.apiKeySid}
                onChange={(event) => setForm({ ...form, apiKeySid: event.target.value })}
              />
            </label>
            <label>
              API key secret
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
          {busy ? 'Checking with Twilio…' : connected ? 'Check and save' : 'Connect'}
        </button>
      </form>
      {disconnecting && (
        <Dialog
          title="Disconnect Twilio?"
          role="alertdialog"
          onClose={() => setDisconnecting(false)}
          actions={
            <>
              {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
              <button type="button" autoFocus onClick={() => setDisconnecting(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setDisconnecting(false);
                  void attempt(() => api('DELETE', '/twilio/connection'), setError, reload);
                }}
              >
                Disconnect
              </button>
            </>
          }
        >
          <p>Leadline forgets the credentials and the numbers; call-back widgets stop placing calls.</p>
        </Dialog>
      )}
    </>
  );
}
