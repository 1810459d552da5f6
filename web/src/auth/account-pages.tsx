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
  reload: () => Promise<void>;
  signOut: () => Promise<void>;
  signedOut: () => void;
  switchTenant: (tenantId: string) => Promise<void>;
}

const LINK_PAGES: Record<string, { title: string; what: string }> = {
  '/accept-invitation': { title: 'Accept invitation', what: 'invitation' },
  '/reset-password': { title: 'Reset password', what: 'password reset' },
  '/verify-email': { title: 'Confirm e-mail address', what: 'confirmation' },
};

/** One of ACCOUNT_PATHS' pages. They work signed in or out. */
export function AccountPage(props: { path: string; session: SessionControls }) {
  if (props.path === '/forgot-password') return <ForgotPassword />;
  if (props.path === '/signup') return <SignUp />;
  const page = LINK_PAGES[props.path];
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
