import { type FormEvent, useState } from 'react';
import { api, describeError, setCsrfToken } from '../api/client';
import { ErrorNote } from '../common/feedback';

/** Email and password; then, when the account has two-factor authentication, its code. */
export function SignIn(props: { secondFactor: boolean; onSignedIn: () => Promise<void> }) {
  const [step, setStep] = useState<'password' | 'code'>(props.secondFactor ? 'code' : 'password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
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
        const proof = useRecovery ? { recoveryCode: code.trim() } : { code: code.replace(/\s/g, '') };
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
            <p className="muted">Sign in to your inbox.</p>
            <Field label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
            <Field
              label="Password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
            />
          </>
        ) : (
          <>
            <p className="muted">
              {useRecovery
                ? 'Enter one of your recovery codes.'
                : 'Enter the 6-digit code from your authenticator app.'}
            </p>
            <label>
              {useRecovery ? 'Recovery code' : 'Authentication code'}
              <input
                inputMode={useRecovery ? 'text' : 'numeric'}
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
            </label>
            <button type="button" className="link-button" onClick={() => setUseRecovery(!useRecovery)}>
              {useRecovery ? 'Use an authenticator code' : 'Use a recovery code'}
            </button>
          </>
        )}
        <ErrorNote message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {step === 'password' ? 'Sign in' : 'Verify'}
        </button>
      </form>
    </main>
  );
}

function Field(props: {
  label: string;
  type: 'email' | 'password';
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        type={props.type}
        autoComplete={props.autoComplete}
        required
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </label>
  );
}
