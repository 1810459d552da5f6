import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, setCsrfToken } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { rich, t } from '../i18n/i18n';
import { AccountCard, Field, NewPasswordField } from './fields';
import { SignIn } from './SignIn';
import type { SessionState } from './session';
import { useSubmit } from './use-submit';

interface Props {
  token: string;
  state: SessionState;
  reload: () => Promise<unknown>;
  switchTenant: (tenantId: string) => Promise<void>;
  signOut: () => Promise<void>;
}

/**
 * `/accept-invitation#token=…`: a new address chooses a password (this is also how the first owner of an
 * installation gets one); an address that already has an account signs in first and accepts as itself,
 * as the API requires, so the link alone never opens an existing account.
 */
export function AcceptInvitation(props: Props) {
  const [signingIn, setSigningIn] = useState(false);

  if (props.state.status === 'signed-in') {
    return <AcceptSignedIn email={props.state.session.user.email} {...props} />;
  }
  if (signingIn || props.state.status === 'second-factor') {
    return (
      <SignIn
        secondFactor={props.state.status === 'second-factor'}
        onSignedIn={props.reload}
        intro={t('auth.accept.signInIntro')}
      />
    );
  }
  return (
    <ChoosePassword token={props.token} reload={props.reload} onExistingAccount={() => setSigningIn(true)} />
  );
}

function ChoosePassword(props: {
  token: string;
  reload: () => Promise<unknown>;
  onExistingAccount: () => void;
}) {
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [existing, setExisting] = useState(false);
  const navigate = useNavigate();
  const { busy, error, submit } = useSubmit(async () => {
    try {
      const name = displayName.trim();
      const result = await api<{ csrfToken: string }>(
        'POST',
        '/invitations/accept',
        { token: props.token, password, ...(name ? { displayName: name } : {}) },
        { quietUnauthenticated: true },
      );
      setCsrfToken(result.csrfToken);
      await props.reload();
      void navigate('/inbox', { replace: true });
    } catch (caught) {
      // 403: the address already has an account; 409: one was created meanwhile. Either way: sign in.
      if (caught instanceof ApiError && (caught.status === 403 || caught.status === 409)) setExisting(true);
      throw caught;
    }
  });

  return (
    <AccountCard title={t('auth.accept.join')} onSubmit={submit}>
      <p className="muted">{t('auth.accept.choosePassword')}</p>
      <Field
        label={t('auth.yourName')}
        type="text"
        autoComplete="name"
        required={false}
        value={displayName}
        onChange={setDisplayName}
      />
      <NewPasswordField value={password} onChange={setPassword} />
      <ErrorNote message={error} />
      {existing ? (
        <button type="button" className="primary" onClick={props.onExistingAccount}>
          {t('auth.accept.signInToAccept')}
        </button>
      ) : (
        <button type="submit" className="primary" aria-disabled={busy || undefined}>
          {t('auth.accept.acceptAndSignIn')}
        </button>
      )}
    </AccountCard>
  );
}

function AcceptSignedIn(props: Props & { email: string }) {
  const navigate = useNavigate();
  const { busy, error, submit } = useSubmit(async () => {
    const accepted = await api<{ tenantId: string }>('POST', '/invitations/accept-signed-in', {
      token: props.token,
    });
    await props.switchTenant(accepted.tenantId);
    void navigate('/inbox', { replace: true });
  });

  return (
    <AccountCard title={t('auth.accept.title')} onSubmit={submit}>
      <p>{rich('auth.accept.signedInAs', [(email) => <strong>{email}</strong>], { email: props.email })}</p>
      <ErrorNote message={error} />
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('auth.accept.title')}
      </button>
      <button type="button" className="link-button" onClick={() => void props.signOut()}>
        {t('auth.accept.someoneElse')}
      </button>
    </AccountCard>
  );
}
