import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { AccountCard, Field, NewPasswordField } from './fields';
import { useSubmit } from './use-submit';

/**
 * `/signup`: an account and its workspace, when the installation allows it (OPEN_SIGNUP; the API answers
 * 404 otherwise). The answer is the same for an address that already has an account; the mail differs.
 */
export function SignUp() {
  const [displayName, setDisplayName] = useState('');
  const [workspaceName, setWorkspaceName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(async () => {
    try {
      const answer = await api<{ message: string }>(
        'POST',
        '/auth/signup',
        { email, password, displayName, workspaceName },
        { quietUnauthenticated: true },
      );
      setSent(answer.message);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) {
        throw new ApiError(404, caught.code, t('auth.signUp.closed'));
      }
      throw caught;
    }
  });

  return (
    <AccountCard title={t('auth.signUp.title')} onSubmit={submit}>
      {sent ? (
        <p className="success-note" role="status">
          {sent}
        </p>
      ) : (
        <>
          <Field
            label={t('auth.yourName')}
            type="text"
            autoComplete="name"
            value={displayName}
            onChange={setDisplayName}
          />
          <Field
            label={t('auth.signUp.workspace')}
            type="text"
            autoComplete="organization"
            value={workspaceName}
            onChange={setWorkspaceName}
          />
          <Field
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            value={email}
            onChange={setEmail}
          />
          <NewPasswordField label={t('auth.password')} value={password} onChange={setPassword} />
          <ErrorNote message={error} />
          <button type="submit" className="primary" aria-disabled={busy || undefined}>
            {t('auth.signUp.submit')}
          </button>
        </>
      )}
      <Link to="/login" className="small-link">
        {t('auth.signUp.haveAccount')}
      </Link>
    </AccountCard>
  );
}
