import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client';
import type { Session } from '../api/types';
import { useReauthentication } from '../auth/Reauthenticate';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { browserLocale, LOCALE_NAMES, LOCALES, type Locale } from '../i18n/locales';
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
export function Account(props: { session: Session; onSessionChanged: () => Promise<unknown> }) {
  return (
    <>
      <h1>{t('settings.page.account')}</h1>
      <LanguagePicker chosen={props.session.user.locale ?? null} onSessionChanged={props.onSessionChanged} />
      <ChangePassword />
      <TwoFactor />
      <ChangeEmail />
      <Sessions />
    </>
  );
}

/**
 * The dashboard's language, stored for this person on the server (ADR 0045); "the browser's language"
 * stores null. The session's reload switches the dashboard over.
 */
function LanguagePicker(props: { chosen: Locale | null; onSessionChanged: () => Promise<unknown> }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const choose = async (value: string) => {
    setBusy(true);
    setError(null);
    try {
      await api('PATCH', '/auth/preferences', { locale: value === '' ? null : value });
      await props.onSessionChanged();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card settings-form" aria-labelledby="language-title">
      <h2 id="language-title">{t('account.language.title')}</h2>
      <label>
        {t('account.language.label')}
        <select
          value={props.chosen ?? ''}
          aria-disabled={busy || undefined}
          onChange={(event) => void choose(event.target.value)}
        >
          <option value="">
            {t('account.language.browser', { language: LOCALE_NAMES[browserLocale()] })}
          </option>
          {LOCALES.map((locale) => (
            <option key={locale} value={locale} lang={locale}>
              {LOCALE_NAMES[locale]}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">{t('account.language.hint')}</p>
      <ErrorNote message={error} />
    </section>
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
    setDone(t('account.password.changed', { count: result.otherSessionsRevoked }));
  });
  return (
    <form
      className="card settings-form"
      aria-labelledby="password-title"
      onSubmit={(event: FormEvent) => void submit(event)}
    >
      <h2 id="password-title">{t('account.password.title')}</h2>
      <p className="muted">{t('account.password.hint')}</p>
      <label>
        {t('account.password.current')}
        <input
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
        />
      </label>
      <label>
        {t('account.password.new')}
        <input
          type="password"
          autoComplete="new-password"
          required
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
        />
        <span className="muted">{t('account.password.rule')}</span>
      </label>
      <ErrorNote message={error} />
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('account.password.change')}
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
    setSent(t('account.email.sent', { address }));
  });
  return (
    <>
      <form
        className="card settings-form"
        aria-labelledby="email-title"
        onSubmit={(event: FormEvent) => void submit(event)}
      >
        <h2 id="email-title">{t('account.email.title')}</h2>
        <p className="muted">{t('account.email.hint')}</p>
        <label>
          {t('account.email.new')}
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
          {t('account.email.change')}
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
        setEnded(t('account.sessions.ended', { count: revoked }));
      },
      setError,
      reload,
    );
  return (
    <section className="card settings-form" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('account.sessions.title')}</h2>
      <ErrorNote message={error} />
      {ended && (
        <p className="saved" role="status">
          {ended}
        </p>
      )}
      <ul className="rows">
        {(items ?? []).map((session) => (
          <li key={session.id} className="row">
            <strong>
              {session.current
                ? t('account.sessions.thisBrowser')
                : (session.userAgent ?? t('account.sessions.unknownBrowser'))}
            </strong>
            <span className="muted">{session.ip ?? t('account.sessions.unknownAddress')}</span>
            <span className="muted">
              {t('account.sessions.times', {
                signedIn: fullTime(session.createdAt),
                lastActive: fullTime(session.lastSeenAt),
              })}
            </span>
            {!session.current && (
              <button
                type="button"
                onClick={() =>
                  void attempt(() => api('DELETE', `/auth/sessions/${session.id}`), setError, reload)
                }
              >
                {t('shell.signOut')}
                <span className="visually-hidden"> {t('account.sessions.thisSession')}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {items && others.length === 0 && <Empty title={t('account.sessions.onlyHere')} />}
      {others.length > 0 && (
        <button type="button" onClick={() => void endOthers()}>
          {t('account.sessions.endOthers')}
        </button>
      )}
    </section>
  );
}
