import { t } from '../i18n/i18n';
import { AcceptInvitation } from './AcceptInvitation';
import { ForgotPassword } from './ForgotPassword';
import { AccountCard, MissingToken } from './fields';
import { useLinkToken } from './link-token';
import { ResetPassword } from './ResetPassword';
import { SignUp } from './SignUp';
import type { SessionState } from './session';
import { VerifyEmail } from './VerifyEmail';

interface SessionControls {
  state: SessionState;
  reload: () => Promise<unknown>;
  signOut: () => Promise<void>;
  signedOut: () => void;
  switchTenant: (tenantId: string) => Promise<void>;
}

const linkPage = (path: string): { title: string; what: string } | undefined =>
  (
    ({
      '/accept-invitation': { title: t('auth.accept.title'), what: t('auth.link.invitation') },
      '/reset-password': { title: t('auth.reset.title'), what: t('auth.link.reset') },
      '/verify-email': { title: t('auth.verifyEmail.title'), what: t('auth.link.confirmation') },
    }) as Record<string, { title: string; what: string }>
  )[path];

/** One of ACCOUNT_PATHS' pages. They work signed in or out. */
export function AccountPage(props: { path: string; session: SessionControls }) {
  if (props.path === '/forgot-password') return <ForgotPassword />;
  if (props.path === '/signup') return <SignUp />;
  const page = linkPage(props.path);
  return page ? <LinkPage path={props.path} session={props.session} {...page} /> : null;
}

function LinkPage(props: { path: string; title: string; what: string; session: SessionControls }) {
  const token = useLinkToken();
  const { session } = props;
  if (!token) {
    return (
      <AccountCard title={props.title}>
        <MissingToken what={props.what} />
      </AccountCard>
    );
  }
  // Keyed by the token: another link opened in this tab starts the page afresh.
  switch (props.path) {
    case '/accept-invitation':
      return <AcceptInvitation key={token} token={token} {...session} />;
    case '/reset-password':
      return <ResetPassword key={token} token={token} onDone={session.signedOut} />;
    default:
      return <VerifyEmail key={token} token={token} onDone={session.reload} />;
  }
}
