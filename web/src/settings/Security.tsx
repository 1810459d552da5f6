import { useState } from 'react';
import { api, describeError } from '../api/client';
import type { Session } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';

/** Workspace security, for owners: whether every member must use two-factor authentication. */
export function Security(props: { session: Session }) {
  const [required, setRequired] = useState(props.session.activeTenant?.requireTwoFactor ?? false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = async (requireTwoFactor: boolean) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setSaved(null);
    // Shown at once; put back if the server refuses.
    const before = required;
    setRequired(requireTwoFactor);
    try {
      const result = await api<{ requireTwoFactor: boolean }>('PATCH', '/tenant/security', {
        requireTwoFactor,
      });
      setRequired(result.requireTwoFactor);
      setSaved(result.requireTwoFactor ? t('security.required') : t('security.notRequired'));
    } catch (caught) {
      setRequired(before);
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1>{t('settings.page.security')}</h1>
      <section className="card settings-form" aria-labelledby="two-factor-title">
        <h2 id="two-factor-title">{t('auth.twoFactor')}</h2>
        <p className="muted">{t('security.hint')}</p>
        <label className="check">
          <input
            type="checkbox"
            checked={required}
            aria-disabled={busy || undefined}
            onChange={(event) => void change(event.target.checked)}
          />
          {t('security.require')}
        </label>
        <ErrorNote message={error} />
        {saved && (
          <p className="saved" role="status">
            {saved}
          </p>
        )}
      </section>
    </>
  );
}
