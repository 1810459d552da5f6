import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { attempt, useList } from './use-list';

interface SessionItem {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** The signed-in person's own settings: password, and where they are signed in. */
export function Account() {
  return (
    <>
      <h1>My account</h1>
      <ChangePassword />
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
