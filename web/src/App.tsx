import { type ReactNode, useEffect } from 'react';
import type { Session } from './api/types';
import { accountPage } from './auth/account-pages';
import { SignIn } from './auth/SignIn';
import { useSession } from './auth/session';
import { Empty } from './common/feedback';
import { Link, navigate, usePath } from './common/router';
import { Inbox } from './inbox/Inbox';
import { LiveProvider, useLiveState } from './live/use-live';
import { Settings } from './settings/Settings';

/** `/login` is what the sign-up mail links to; signed in, these lead to the inbox. */
const SIGN_IN_PATHS = new Set(['/', '/sign-in', '/login']);

export function App() {
  const controls = useSession();
  const { state, reload, signOut, signedOut, switchTenant } = controls;
  const path = usePath();

  useEffect(() => {
    if (state.status === 'signed-in' && SIGN_IN_PATHS.has(path)) navigate('/inbox', { replace: true });
  }, [state.status, path]);

  if (state.status === 'loading') return <p className="loading">Loading…</p>;
  const page = accountPage(path, controls);
  if (page) return page;
  if (state.status !== 'signed-in') {
    return <SignIn key={state.status} secondFactor={state.status === 'second-factor'} onSignedIn={reload} />;
  }
  const { session } = state;
  if (!session.activeTenant) {
    return (
      <main className="sign-in">
        <div className="card sign-in-card">
          <h1>Choose a workspace</h1>
          {session.tenants.length === 0 && (
            <Empty title="You are not a member of any workspace yet">Ask an owner for an invitation.</Empty>
          )}
          {session.tenants.map((tenant) => (
            <button key={tenant.id} type="button" onClick={() => void switchTenant(tenant.id)}>
              {tenant.name}
            </button>
          ))}
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </main>
    );
  }
  const [, section, detail] = path.split('/');
  return (
    <LiveProvider key={session.activeTenant.id} onSessionEnded={() => void reload().catch(signedOut)}>
      <Shell session={session} onSignOut={signOut} onSwitchTenant={switchTenant} section={section ?? 'inbox'}>
        {section === 'settings' ? (
          <Settings session={session} page={detail ?? ''} />
        ) : (
          <Inbox session={session} conversationId={section === 'inbox' && detail ? detail : null} />
        )}
      </Shell>
    </LiveProvider>
  );
}

function Shell(props: {
  session: Session;
  section: string;
  children: ReactNode;
  onSignOut: () => Promise<void>;
  onSwitchTenant: (tenantId: string) => Promise<void>;
}) {
  const live = useLiveState();
  const { session } = props;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Leadline</span>
        <nav aria-label="Main">
          <Link to="/inbox" current={props.section === 'inbox'}>
            Inbox
          </Link>
          <Link to="/settings/members" current={props.section === 'settings'}>
            Settings
          </Link>
        </nav>
        <span className={`live live-${live}`} role="status">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline — reconnecting'}
        </span>
        {session.tenants.length > 1 ? (
          <select
            aria-label="Workspace"
            value={session.activeTenant?.id}
            onChange={(event) => void props.onSwitchTenant(event.target.value)}
          >
            {session.tenants.map((tenant) => (
              <option key={tenant.id} value={tenant.id}>
                {tenant.name}
              </option>
            ))}
          </select>
        ) : (
          <span className="workspace">{session.activeTenant?.name}</span>
        )}
        <span className="user muted">{session.user.email}</span>
        <button type="button" onClick={() => void props.onSignOut()}>
          Sign out
        </button>
      </header>
      <main id="main">{props.children}</main>
    </div>
  );
}
