import { type FormEvent, useState } from 'react';
// One list of scopes for the server and the page (a plain module: no server code comes along).
import { SCOPES } from '../../../src/accounts/permissions';
import { api } from '../api/client';
import type { ApiKey } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { rich, t } from '../i18n/i18n';
import { attempt, useList } from './use-list';

/** What each scope lets a key do, in the words an admin choosing scopes needs. */
const scopeExplanation = (scope: (typeof SCOPES)[number]): string =>
  ({
    'messages:read': t('apiKeys.scope.messagesRead'),
    'messages:write': t('apiKeys.scope.messagesWrite'),
    'contacts:read': t('apiKeys.scope.contactsRead'),
    'contacts:write': t('apiKeys.scope.contactsWrite'),
    'channels:manage': t('apiKeys.scope.channelsManage'),
    'quotes:read': t('apiKeys.scope.quotesRead'),
    'quotes:write': t('apiKeys.scope.quotesWrite'),
    'quotes:approve': t('apiKeys.scope.quotesApprove'),
    'mcp:read': t('apiKeys.scope.mcpRead'),
    'mcp:draft': t('apiKeys.scope.mcpDraft'),
    admin: t('apiKeys.scope.admin'),
  })[scope];

const keyStatus = (status: ApiKey['status']): string =>
  ({
    active: t('apiKeys.active'),
    rotating: t('apiKeys.rotating'),
    revoked: t('apiKeys.revoked'),
    expired: t('apiKeys.expired'),
  })[status];

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
      <h1>{t('settings.page.apiKeys')}</h1>
      <ErrorNote message={error} />
      {shown && (
        <div className="once" role="status">
          <p>{rich('apiKeys.copyNow', [(words) => <strong>{words}</strong>])}</p>
          <p className="mono">{shown}</p>
          <button type="button" onClick={() => setShown(null)}>
            {t('apiKeys.done')}
          </button>
        </div>
      )}
      {items && items.length === 0 && <Empty title={t('apiKeys.empty')}>{t('apiKeys.emptyHint')}</Empty>}
      <ul className="rows">
        {(items ?? []).map((key) => (
          <li key={key.id} className="row">
            <strong>{key.name}</strong> <span className="mono">{key.prefix}…</span>{' '}
            <span className="tag">{keyStatus(key.status)}</span>
            <span className="muted">{key.scopes.join(', ')}</span>
            <span className="muted">
              {key.lastUsedAt
                ? t('apiKeys.lastUsed', { when: fullTime(key.lastUsedAt) })
                : t('apiKeys.neverUsed')}
            </span>
            {key.status === 'active' && (
              <>
                <button
                  type="button"
                  onClick={() => void issue(() => api('POST', `/api-keys/${key.id}/rotate`, {}))}
                >
                  {t('apiKeys.rotate')}
                </button>
                <button
                  type="button"
                  onClick={() => void attempt(() => api('DELETE', `/api-keys/${key.id}`), setError, reload)}
                >
                  {t('apiKeys.revoke')}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <form className="card form-grid" onSubmit={create}>
        <h2>{t('apiKeys.createTitle')}</h2>
        <label>
          {t('apiKeys.name')}
          <input required value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        <fieldset>
          <legend>{t('apiKeys.scopes')}</legend>
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
                <span className="mono">{scope}</span> <span className="muted">{scopeExplanation(scope)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={scopes.length === 0}>
          {t('apiKeys.create')}
        </button>
      </form>
    </>
  );
}
