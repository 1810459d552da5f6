import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';

/** Auto-assignment of conversations handed to people: round robin among members online now. */
export function InboxSettings() {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const settings = useQuery({
    queryKey: keys.inboxSettings,
    queryFn: ({ signal }) => api<{ autoAssign: boolean }>('GET', '/inbox/settings', undefined, { signal }),
  });
  const save = async (autoAssign: boolean) => {
    setError(null);
    try {
      client.setQueryData(keys.inboxSettings, await api('PUT', '/inbox/settings', { autoAssign }));
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  return (
    <>
      <h1>{t('settings.page.inbox')}</h1>
      <p className="muted">{t('inboxSettings.intro')}</p>
      <label>
        <input
          type="checkbox"
          checked={settings.data?.autoAssign ?? false}
          disabled={!settings.isSuccess}
          onChange={(event) => void save(event.target.checked)}
        />{' '}
        {t('inboxSettings.autoAssign')}
      </label>
      <ErrorNote message={error ?? (settings.error ? describeError(settings.error) : null)} />
    </>
  );
}
