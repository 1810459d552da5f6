import { type FormEvent, type ReactNode, useRef, useState } from 'react';
import { api, describeError, errorDetail, replaceSession, setCsrfToken } from '../api/client';
import { Dialog } from '../common/Dialog';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';

interface Pending {
  retry: () => void;
  cancel: () => void;
}

/**
 * Changing a credential needs a recent sign-in (the API answers `reauthentication_required`). `guard`
 * runs a change; when the API asks for it, a dialog asks for the password, re-authenticates (a new
 * session and CSRF token) and runs the change again. Cancelling fails the change with the API's error.
 */
export function useReauthentication(): {
  guard: <T>(work: () => Promise<T>) => Promise<T>;
  dialog: ReactNode;
} {
  const [pending, setPending] = useState<Pending | null>(null);
  const guard = async <T,>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (caught) {
      if (errorDetail(caught) !== 'reauthentication_required') throw caught;
      return new Promise<T>((resolve, reject) => {
        // The dialog's close event also fires when it closes after a retry: only the first outcome counts.
        let settled = false;
        setPending({
          retry: () => {
            if (settled) return;
            settled = true;
            setPending(null);
            work().then(resolve, reject);
          },
          cancel: () => {
            if (settled) return;
            settled = true;
            setPending(null);
            reject(caught);
          },
        });
      });
    }
  };
  const dialog = pending ? <PasswordDialog pending={pending} /> : null;
  return { guard, dialog };
}

function PasswordDialog(props: { pending: Pending }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    try {
      const { csrfToken } = await replaceSession(() =>
        api<{ csrfToken: string }>('POST', '/auth/reauthenticate', { password }),
      );
      setCsrfToken(csrfToken);
      props.pending.retry();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      busy.current = false;
    }
  };
  return (
    <Dialog
      title={t('auth.reauth.title')}
      onClose={props.pending.cancel}
      actions={
        <>
          <button type="button" onClick={props.pending.cancel}>
            {t('common.cancel')}
          </button>
          <button type="submit" form="reauthenticate-form" className="primary">
            {t('auth.reauth.confirm')}
          </button>
        </>
      }
    >
      <form id="reauthenticate-form" className="settings-form" onSubmit={(event) => void submit(event)}>
        <p>{t('auth.reauth.hint')}</p>
        <label>
          {t('auth.password')}
          <input
            type="password"
            autoComplete="current-password"
            required
            autoFocus
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <ErrorNote message={error} />
      </form>
    </Dialog>
  );
}
