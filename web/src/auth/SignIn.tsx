import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError, setCsrfToken } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { useView } from '../common/view';
import { Field, SecondFactorField, useSecondFactor } from './fields';

/** Email and password; then, when the account has two-factor authentication, its code. */
export function SignIn(props: { secondFactor: boolean; onSignedIn: () => Promise<void>; intro?: string }) {
  const [step, setStep] = useState<'password' | 'code'>(props.secondFactor ? 'code' : 'password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const secondFactor = useSecondFactor();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useView(step === 'password' ? 'Sign in' : 'Two-factor authentication');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
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
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Leadline</h1>
        {step === 'password' ? (
          <>
            <p className="muted">{props.intro ?? 'Sign in to your inbox.'}</p>
            <Field label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
            <Field
              label="Password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
            />
            <Link to="/forgot-password" className="small-link">
              Forgot password?
            </Link>
          </>
        ) : (
          <SecondFactorField {...secondFactor.field} />
        )}
        <ErrorNote message={error} />
        <button type="submit" className="primary" aria-disabled={busy || undefined}>
          {step === 'password' ? 'Sign in' : 'Verify'}
        </button>
      </form>
    </main>
  );
}
