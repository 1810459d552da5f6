import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { WhatsappChannelSettings } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { rich, t } from '../i18n/i18n';
import { ChannelCard } from './ChannelCard';
import { attempt, useList } from './use-list';

const EMPTY = {
  name: '',
  phoneNumberId: '',
  displayPhoneNumber: '',
  wabaId: '',
  accessToken: '',
  appSecret: '',
};

export function Channels() {
  const { items, error, setError, reload } = useList<WhatsappChannelSettings>('/whatsapp/channels?limit=100');
  const [form, setForm] = useState(EMPTY);
  const [created, setCreated] = useState<{ webhookUrl: string; verifyToken: string } | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    await attempt(
      async () => {
        const channel = await api<WhatsappChannelSettings & { verifyToken: string }>(
          'POST',
          '/whatsapp/channels',
          form,
        );
        setCreated({ webhookUrl: channel.webhookUrl, verifyToken: channel.verifyToken });
        setForm(EMPTY);
      },
      setError,
      reload,
    );
  };

  return (
    <>
      <h1>{t('channels.title')}</h1>
      <ErrorNote message={error} />
      {items && items.length === 0 && <Empty title={t('channels.empty')}>{t('channels.emptyHint')}</Empty>}
      <ul className="rows">
        {(items ?? []).map((channel) => (
          <li key={channel.id} className="row channel-card">
            <ChannelCard channel={channel} onChange={(work) => attempt(work, setError, reload)} />
          </li>
        ))}
      </ul>
      {created && (
        <div className="once" role="status">
          <p>{rich('channels.connected', [(words) => <strong>{words}</strong>])}</p>
          <p className="mono">{t('channels.callbackUrl', { url: created.webhookUrl })}</p>
          <p className="mono">{t('channels.verifyToken', { token: created.verifyToken })}</p>
        </div>
      )}
      <form className="card form-grid" onSubmit={add}>
        <h2>{t('channels.connectTitle')}</h2>
        {(
          [
            ['name', t('channels.name'), 'text'],
            ['displayPhoneNumber', t('channels.displayPhoneNumber'), 'text'],
            ['phoneNumberId', t('channels.phoneNumberId'), 'text'],
            ['wabaId', t('channels.wabaId'), 'text'],
            ['accessToken', t('channels.accessToken'), 'password'],
            ['appSecret', t('channels.appSecret'), 'password'],
          ] as const
        ).map(([key, label, type]) => (
          <label key={key}>
            {label}
            <input
              type={type}
              required
              autoComplete="off"
              value={form[key]}
              onChange={(event) => setForm({ ...form, [key]: event.target.value })}
            />
          </label>
        ))}
        <button type="submit" className="primary">
          {t('channels.connect')}
        </button>
      </form>
    </>
  );
}
