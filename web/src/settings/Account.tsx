import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useReauthentication } from '../auth/Reauthenticate';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { TwoFactor } from './TwoFactor';
import { attempt, useList } from './use-list';

interface SessionItem {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** The signed-in person's own settings: password, two-factor, address, and where they are signed in. */
export function Account() {
  return (
    <>
      <h1>My account</h1>
      <ChangePassword />
      <TwoFactor />
      <ChangeEmail />
      <Sessions />
    </>
  );
}

function ChangePassword() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(async () => {
    setDone(null);
    const result = await api<{ otherSessionsRevoked: number }>('POST', '/auth/password', {
      currentPassword,
      newPassword,
    });
    setCurrentPassword('');
    setNewPassword('');
    setDone(
      result.otherSessionsRevoked === 1
        ? 'Password changed. Your one other session was signed out.'
        : `Password changed. ${result.otherSessionsRevoked} other sessions were signed out.`,
    );
  });
  return (
    <form
      className="card settings-form"
      aria-labelledby="password-title"
      onSubmit={(event: FormEvent) => void submit(event)}
    >
      <h2 id="password-title">Password</h2>
      <p className="muted">
        Changing it signs you out everywhere else. It needs a recent sign-in: if it is refused, sign out and
        in again first.
      </p>
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
        />
      </label>
      <label>
        New password
        <input
          type="password"
          autoComplete="new-password"
          required
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
        />
        <span className="muted">At least 8 characters; common passwords are refused.</span>
      </label>
      <ErrorNote message={error} />
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        Change password
      </button>
    </form>
  );
}

/** The new address takes effect only when the link mailed to it is followed (the API's rule). */
function ChangeEmail() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { guard, dialog } = useReauthentication();
  const { busy, error, submit } = useSubmit(async () => {
    setSent(null);
    const address = email.trim();
    await guard(() => api('POST', '/auth/email', { email: address }));
    setEmail('');
    setSent(`We sent a link to ${address}. Your address changes when you follow it (within an hour).`);
  });
  return (
    <>
      <form
        className="card settings-form"
        aria-labelledby="email-title"
        onSubmit={(event: FormEvent) => void submit(event)}
      >
        <h2 id="email-title">E-mail address</h2>
        <p className="muted">You sign in with it and security notices go to it.</p>
        <label>
          New e-mail address
          <input
            type="email"
            autoComplete="email"
            required
            maxLength={254}
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <ErrorNote message={error} />
        {sent && (
          <p className="saved" role="status">
            {sent}
          </p>
        )}
        <button type="submit" aria-disabled={busy || undefined}>
          Change e-mail address
        </button>
      </form>
      {dialog}
    </>
  );
}

function Sessions() {
  const { items, error, setError, reload } = useList<SessionItem>('/auth/sessions');
  const [ended, setEnded] = useState<string | null>(null);
  const others = (items ?? []).filter((session) => !session.current);
  const endOthers = () =>
    attempt(
      async () => {
        const { revoked } = await api<{ revoked: number }>('POST', '/auth/sessions/revoke-others');
        setEnded(
          revoked === 1 ? 'One other session was signed out.' : `${revoked} other sessions were signed out.`,
        );
      },
      setError,
      reload,
    );
  return (
    <section className="card settings-form" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      <ErrorNote message={error} />
      {ended && (
        <p className="saved" role="status">
          {ended}
        </p>
      )}
      <ul className="rows">
        {(items ?? []).map((session) => (
          <li key={session.id} className="row">
            <strong>{session.current ? 'This browser' : (session.userAgent ?? 'Unknown browser')}</strong>
            <span className="muted">{session.ip ?? 'unknown address'}</span>
            <span className="muted">
              signed in {fullTime(session.createdAt)}, last active {fullTime(session.lastSeenAt)}
            </span>
            {!session.current && (
              <button
                type="button"
                onClick={() =>
                  void attempt(() => api('DELETE', `/auth/sessions/${session.id}`), setError, reload)
                }
              >
                Sign out<span className="visually-hidden"> this session</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {items && others.length === 0 && <Empty title="You are signed in only here" />}
      {others.length > 0 && (
        <button type="button" onClick={() => void endOthers()}>
          Sign out everywhere else
        </button>
      )}
    </section>
  );
}
