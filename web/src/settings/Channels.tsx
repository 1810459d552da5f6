import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { WhatsappChannelSettings } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
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
      <h1>WhatsApp channels</h1>
      <ErrorNote message={error} />
      {items && items.length === 0 && (
        <Empty title="No WhatsApp number yet">Connect one below to start receiving messages.</Empty>
      )}
      <ul className="rows">
        {(items ?? []).map((channel) => (
          <li key={channel.id} className="row channel-card">
            <ChannelCard channel={channel} onChange={(work) => attempt(work, setError, reload)} />
          </li>
        ))}
      </ul>
      {created && (
        <div className="once" role="status">
          <p>
            <strong>Channel connected.</strong> In Meta’s app settings, set the callback URL and verify token.
            The token is shown only now.
          </p>
          <p className="mono">Callback URL: {created.webhookUrl}</p>
          <p className="mono">Verify token: {created.verifyToken}</p>
        </div>
      )}
      <form className="card form-grid" onSubmit={add}>
        <h2>Connect a WhatsApp number</h2>
        {(
          [
            ['name', 'Name', 'text'],
            ['displayPhoneNumber', 'Display phone number', 'text'],
            ['phoneNumberId', 'Phone number ID', 'text'],
            ['wabaId', 'WhatsApp Business account ID', 'text'],
            ['accessToken', 'Access token', 'password'],
            ['appSecret', 'App secret', 'password'],
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
          Connect
        </button>
      </form>
    </>
  );
}
