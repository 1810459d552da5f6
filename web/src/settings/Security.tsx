import { useState } from 'react';
import { api, describeError } from '../api/client';
import type { Session } from '../api/types';
import { ErrorNote } from '../common/feedback';

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
      setSaved(
        result.requireTwoFactor
          ? 'Two-factor authentication is now required. Members without it can only set it up until they do.'
          : 'Two-factor authentication is no longer required.',
      );
    } catch (caught) {
      setRequired(before);
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1>Security</h1>
      <section className="card settings-form" aria-labelledby="two-factor-title">
        <h2 id="two-factor-title">Two-factor authentication</h2>
        <p className="muted">
          When required, every member signs in with a code from an authenticator app as well as a password.
          Members who have not set it up yet are asked to before they can work in this workspace. You need it
          turned on for your own account first.
        </p>
        <label className="check">
          <input
            type="checkbox"
            checked={required}
            aria-disabled={busy || undefined}
            onChange={(event) => void change(event.target.checked)}
          />
          Require two-factor authentication for every member
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
