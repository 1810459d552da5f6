import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { WhatsappChannelSettings } from '../api/types';
import { Dialog } from '../common/Dialog';
import { fullTime } from '../common/format';

type Mode = 'view' | 'edit' | 'rotate';

/**
 * One WhatsApp channel: what it is and how it runs (throughput, read receipts, proof of the number),
 * with its changes: edit, rotate the app secret and access token, disable and enable.
 */
export function ChannelCard(props: {
  channel: WhatsappChannelSettings;
  onChange: (work: () => Promise<unknown>) => Promise<boolean>;
}) {
  const { channel } = props;
  const [mode, setMode] = useState<Mode>('view');
  const [disabling, setDisabling] = useState(false);
  const change = async (body: Record<string, unknown>) => {
    if (await props.onChange(() => api('PATCH', `/whatsapp/channels/${channel.id}`, body))) setMode('view');
  };
  const toggle = (action: 'disable' | 'enable') =>
    void props.onChange(() => api('POST', `/whatsapp/channels/${channel.id}/${action}`));

  return (
    <>
      <div className="row-head">
        <h2 className="channel-name">{channel.name}</h2>
        <span>{channel.displayPhoneNumber}</span>
        {channel.disabled && <span className="tag">Disabled</span>}
        {!channel.disabled && (
          <span className="tag">{channel.verified ? 'Verified' : 'Waiting for Meta’s confirmation'}</span>
        )}
      </div>
      {channel.verificationError && (
        <p className="field-error">Meta did not confirm the number: {channel.verificationError}</p>
      )}
      <p className="muted">
        Up to {channel.messagesPerSecond} messages a second ·{' '}
        {channel.markAsRead ? 'marks customers’ messages as read' : 'does not mark messages as read'}
      </p>
      <p className="muted mono">Webhook: {channel.webhookUrl}</p>
      {channel.previousAppSecretValidUntil && (
        <p role="status">
          The previous app secret is still accepted until {fullTime(channel.previousAppSecretValidUntil)}; set
          the new one in Meta’s app before then.
        </p>
      )}
      {mode === 'view' && (
        <div className="button-row">
          <button type="button" onClick={() => setMode('edit')}>
            Edit<span className="visually-hidden"> {channel.name}</span>
          </button>
          <button type="button" onClick={() => setMode('rotate')}>
            Rotate secrets<span className="visually-hidden"> of {channel.name}</span>
          </button>
          {channel.disabled ? (
            <button type="button" onClick={() => toggle('enable')}>
              Enable<span className="visually-hidden"> {channel.name}</span>
            </button>
          ) : (
            <button type="button" className="danger" onClick={() => setDisabling(true)}>
              Disable<span className="visually-hidden"> {channel.name}</span>
            </button>
          )}
        </div>
      )}
      {mode === 'edit' && <EditForm channel={channel} onSave={change} onCancel={() => setMode('view')} />}
      {mode === 'rotate' && <RotateForm onSave={change} onCancel={() => setMode('view')} />}
      {disabling && (
        <Dialog
          title={`Disable “${channel.name}”?`}
          role="alertdialog"
          onClose={() => setDisabling(false)}
          actions={
            <>
              {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
              <button type="button" autoFocus onClick={() => setDisabling(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setDisabling(false);
                  toggle('disable');
                }}
              >
                Disable channel
              </button>
            </>
          }
        >
          <p>
            Its webhook stops accepting Meta’s deliveries and nothing is sent from it until it is enabled
            again.
          </p>
        </Dialog>
      )}
    </>
  );
}

function EditForm(props: {
  channel: WhatsappChannelSettings;
  onSave: (body: Record<string, unknown>) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState(props.channel.name);
  const [displayPhoneNumber, setDisplayPhoneNumber] = useState(props.channel.displayPhoneNumber);
  const [messagesPerSecond, setMessagesPerSecond] = useState(String(props.channel.messagesPerSecond));
  const [markAsRead, setMarkAsRead] = useState(props.channel.markAsRead);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void props.onSave({
      name: name.trim(),
      displayPhoneNumber: displayPhoneNumber.trim(),
      messagesPerSecond: Number(messagesPerSecond),
      markAsRead,
    });
  };
  return (
    <form className="form-grid" aria-label={`Edit ${props.channel.name}`} onSubmit={submit}>
      <label>
        Name
        <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Display phone number
        <input
          required
          maxLength={32}
          value={displayPhoneNumber}
          onChange={(event) => setDisplayPhoneNumber(event.target.value)}
        />
      </label>
      <label>
        Messages per second
        <input
          type="number"
          required
          min={1}
          max={1000}
          value={messagesPerSecond}
          onChange={(event) => setMessagesPerSecond(event.target.value)}
        />
        <span className="muted">Meta allows 80 by default; higher tiers allow up to 1000.</span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={markAsRead}
          onChange={(event) => setMarkAsRead(event.target.checked)}
        />
        Mark customers’ messages as read when they arrive
      </label>
      <div className="button-row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** New secrets are write-only: left empty, a field keeps what is stored. */
function RotateForm(props: {
  onSave: (body: Record<string, unknown>) => Promise<void>;
  onCancel: () => void;
}) {
  const [appSecret, setAppSecret] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = {
      ...(appSecret ? { appSecret } : {}),
      ...(accessToken ? { accessToken } : {}),
    };
    if (Object.keys(body).length === 0) {
      setNote('Enter a new app secret, a new access token, or both.');
      return;
    }
    void props.onSave(body);
  };
  return (
    <form className="form-grid" aria-label="Rotate secrets" onSubmit={submit}>
      <p className="muted">
        A new app secret takes over at once; the previous one stays accepted for a grace period, so Meta’s
        deliveries signed with it are not lost while you change it in Meta’s app. A new access token is used
        for everything sent from now on.
      </p>
      <label>
        New app secret
        <input
          type="password"
          autoComplete="off"
          minLength={8}
          value={appSecret}
          onChange={(event) => setAppSecret(event.target.value)}
        />
      </label>
      <label>
        New access token
        <input
          type="password"
          autoComplete="off"
          minLength={8}
          value={accessToken}
          onChange={(event) => setAccessToken(event.target.value)}
        />
      </label>
      {note && (
        <p className="field-error" role="alert">
          {note}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="primary">
          Save new secrets
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
