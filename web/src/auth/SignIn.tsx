import { useState } from 'react';
import { Link } from 'react-router';
import { api, setCsrfToken } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';
import { Field, SecondFactorField, useSecondFactor } from './fields';
import { useSubmit } from './use-submit';

/** Email and password; then, when the account has two-factor authentication, its code. */
export function SignIn(props: { secondFactor: boolean; onSignedIn: () => Promise<unknown>; intro?: string }) {
  const [step, setStep] = useState<'password' | 'code'>(props.secondFactor ? 'code' : 'password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const secondFactor = useSecondFactor();
  useView(step === 'password' ? t('auth.signIn') : t('auth.twoFactor'));

  const { busy, error, submit } = useSubmit(async () => {
    if (step === 'password') {
      const result = await api<{ csrfToken: string; mfaRequired: boolean }>(
        'POST',
        '/auth/login',
        { email, password },
        { quietUnauthenticated: true },
      );
      setCsrfToken(result.csrfToken);
      if (result.mfaRequired) {
        setStep('code');
        return;
      }
    } else {
      const proof = secondFactor.proof();
      const result = await api<{ csrfToken: string }>('POST', '/auth/login/second-factor', proof, {
        quietUnauthenticated: true,
      });
      setCsrfToken(result.csrfToken);
    }
    await props.onSignedIn();
  });

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Leadline</h1>
        {step === 'password' ? (
          <>
            <p className="muted">{props.intro ?? t('auth.signInIntro')}</p>
            <Field
              label={t('auth.email')}
              type="email"
              autoComplete="username"
              value={email}
              onChange={setEmail}
            />
            <Field
              label={t('auth.password')}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
            />
            <Link to="/forgot-password" className="small-link">
              {t('auth.forgotLink')}
            </Link>
          </>
        ) : (
          <SecondFactorField {...secondFactor.field} />
        )}
        <ErrorNote message={error} />
        <button type="submit" className="primary" aria-disabled={busy || undefined}>
          {step === 'password' ? t('auth.signIn') : t('auth.verify')}
        </button>
      </form>
    </main>
  );
}
