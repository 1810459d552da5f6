import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { AccountCard, Field } from './fields';
import { useSubmit } from './use-submit';

/**
 * Asks for a reset link. The answer is the server's one neutral sentence whatever the address, so the
 * page never tells whether an account exists.
 */
export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(async () => {
    const answer = await api<{ message: string }>(
      'POST',
      '/auth/password-reset',
      { email },
      { quietUnauthenticated: true },
    );
    setSent(answer.message);
  });

  return (
    <AccountCard title={t('auth.forgot.title')} onSubmit={submit}>
      {sent ? (
        <p className="success-note" role="status">
          {sent}
        </p>
      ) : (
        <>
          <p className="muted">{t('auth.forgot.hint')}</p>
          <Field
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            value={email}
            onChange={setEmail}
          />
          <ErrorNote message={error} />
          <button type="submit" className="primary" aria-disabled={busy || undefined}>
            {t('auth.forgot.send')}
          </button>
        </>
      )}
      <Link to="/login" className="small-link">
        {t('auth.backToSignIn')}
      </Link>
    </AccountCard>
  );
}
