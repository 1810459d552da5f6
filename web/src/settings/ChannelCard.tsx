import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { WhatsappChannelSettings } from '../api/types';
import { ConfirmDialog } from '../common/Dialog';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';

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
        {channel.disabled && <span className="tag">{t('channels.disabled')}</span>}
        {!channel.disabled && (
          <span className="tag">
            {channel.verified ? t('channels.verified') : t('channels.waitingForMeta')}
          </span>
        )}
      </div>
      {channel.verificationError && (
        <p className="field-error">{t('channels.notConfirmed', { error: channel.verificationError })}</p>
      )}
      <p className="muted">
        {t('channels.throughput', { count: channel.messagesPerSecond })} ·{' '}
        {channel.markAsRead ? t('channels.marksRead') : t('channels.doesNotMarkRead')}
      </p>
      <p className="muted mono">{t('channels.webhook', { url: channel.webhookUrl })}</p>
      {channel.previousAppSecretValidUntil && (
        <p role="status">
          {t('channels.previousSecret', { until: fullTime(channel.previousAppSecretValidUntil) })}
        </p>
      )}
      {mode === 'view' && (
        <div className="button-row">
          <button type="button" onClick={() => setMode('edit')}>
            {t('common.edit')}
            <span className="visually-hidden"> {channel.name}</span>
          </button>
          <button type="button" onClick={() => setMode('rotate')}>
            {t('channels.rotate')}
            <span className="visually-hidden"> {t('channels.ofChannel', { name: channel.name })}</span>
          </button>
          {channel.disabled ? (
            <button type="button" onClick={() => toggle('enable')}>
              {t('channels.enable')}
              <span className="visually-hidden"> {channel.name}</span>
            </button>
          ) : (
            <button type="button" className="danger" onClick={() => setDisabling(true)}>
              {t('channels.disable')}
              <span className="visually-hidden"> {channel.name}</span>
            </button>
          )}
        </div>
      )}
      {mode === 'edit' && <EditForm channel={channel} onSave={change} onCancel={() => setMode('view')} />}
      {mode === 'rotate' && <RotateForm onSave={change} onCancel={() => setMode('view')} />}
      {disabling && (
        <ConfirmDialog
          title={t('channels.disableTitle', { name: channel.name })}
          confirm={t('channels.disableChannel')}
          onClose={() => setDisabling(false)}
          onConfirm={() => {
            toggle('disable');
          }}
        >
          <p>{t('channels.disableHint')}</p>
        </ConfirmDialog>
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
    <form
      className="form-grid"
      aria-label={t('channels.editNamed', { name: props.channel.name })}
      onSubmit={submit}
    >
      <label>
        {t('channels.name')}
        <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        {t('channels.displayPhoneNumber')}
        <input
          required
          maxLength={32}
          value={displayPhoneNumber}
          onChange={(event) => setDisplayPhoneNumber(event.target.value)}
        />
      </label>
      <label>
        {t('channels.messagesPerSecond')}
        <input
          type="number"
          required
          min={1}
          max={1000}
          value={messagesPerSecond}
          onChange={(event) => setMessagesPerSecond(event.target.value)}
        />
        <span className="muted">{t('channels.messagesPerSecondHint')}</span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={markAsRead}
          onChange={(event) => setMarkAsRead(event.target.checked)}
        />
        {t('channels.markAsRead')}
      </label>
      <div className="button-row">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
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
      setNote(t('channels.rotateNothing'));
      return;
    }
    void props.onSave(body);
  };
  return (
    <form className="form-grid" aria-label={t('channels.rotate')} onSubmit={submit}>
      <p className="muted">{t('channels.rotateHint')}</p>
      <label>
        {t('channels.newAppSecret')}
        <input
          type="password"
          autoComplete="off"
          minLength={8}
          value={appSecret}
          onChange={(event) => setAppSecret(event.target.value)}
        />
      </label>
      <label>
        {t('channels.newAccessToken')}
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
          {t('channels.saveSecrets')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
