import { type FormEvent, useState } from 'react';
// One list of scopes for the server and the page (a plain module: no server code comes along).
import { SCOPES } from '../../../src/accounts/permissions';
import { api } from '../api/client';
import type { ApiKey } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { attempt, useList } from './use-list';

/** What each scope lets a key do, in the words an admin choosing scopes needs. */
const SCOPE_EXPLANATIONS: Record<(typeof SCOPES)[number], string> = {
  'messages:read': 'Read conversations, their messages and notes.',
  'messages:write': 'Send messages and change conversations (reply, hand over, assign, label).',
  'contacts:read': 'Read contacts and their profiles.',
  'contacts:write': 'Change contacts’ profiles.',
  'channels:manage': 'Connect and change WhatsApp channels.',
  'quotes:read': 'Read quotes, their PDFs and the catalog.',
  'quotes:write': 'Create, edit, submit and send quotes.',
  'quotes:approve': 'Approve or reject quotes waiting for approval.',
  admin: 'Everything an admin can do in this workspace, except managing API keys and members.',
};

export function ApiKeys() {
  const { items, error, setError, reload } = useList<ApiKey>('/api-keys?limit=100');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['messages:read']);
  const [shown, setShown] = useState<string | null>(null);

  const issue = (work: () => Promise<{ key: string }>) =>
    attempt(
      async () => {
        setShown((await work()).key);
      },
      setError,
      reload,
    );

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (await issue(() => api('POST', '/api-keys', { name, scopes }))) setName('');
  };

  return (
    <>
      <h1>API keys</h1>
      <ErrorNote message={error} />
      {shown && (
        <div className="once" role="status">
          <p>
            <strong>Copy this key now.</strong> It is shown only once.
          </p>
          <p className="mono">{shown}</p>
          <button type="button" onClick={() => setShown(null)}>
            Done
          </button>
        </div>
      )}
      {items && items.length === 0 && <Empty title="No API keys">Create one for an integration below.</Empty>}
      <ul className="rows">
        {(items ?? []).map((key) => (
          <li key={key.id} className="row">
            <strong>{key.name}</strong> <span className="mono">{key.prefix}…</span>{' '}
            <span className="tag">{key.status}</span>
            <span className="muted">{key.scopes.join(', ')}</span>
            <span className="muted">last used {key.lastUsedAt ? fullTime(key.lastUsedAt) : 'never'}</span>
            {key.status === 'active' && (
              <>
                <button
                  type="button"
                  onClick={() => void issue(() => api('POST', `/api-keys/${key.id}/rotate`, {}))}
                >
                  Rotate
                </button>
                <button
                  type="button"
                  onClick={() => void attempt(() => api('DELETE', `/api-keys/${key.id}`), setError, reload)}
                >
                  Revoke
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <form className="card form-grid" onSubmit={create}>
        <h2>Create a key</h2>
        <label>
          Name
          <input required value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) =>
                  setScopes(
                    event.target.checked ? [...scopes, scope] : scopes.filter((item) => item !== scope),
                  )
                }
              />
              <span>
                <span className="mono">{scope}</span>{' '}
                <span className="muted">{SCOPE_EXPLANATIONS[scope]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={scopes.length === 0}>
          Create key
        </button>
      </form>
    </>
  );
}
