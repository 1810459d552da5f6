import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense, useState } from 'react';
import { Navigate, NavLink, Route, Routes, useParams } from 'react-router';
import { createQueryClient } from './api/queries';
import type { Session } from './api/types';
import { ACCOUNT_PATHS } from './auth/account-paths';
import { useSession } from './auth/session';
import { Empty } from './common/feedback';
import { PlanBanner } from './common/PlanBanner';
import { Inbox } from './inbox/Inbox';
import { useLiveQuerySync } from './live/live-query-sync';
import { LiveProvider, useLiveState } from './live/use-live';
import { QuotesNavLink } from './quotes/QuotesNavLink';

const AccountPage = lazy(() =>
  import('./auth/account-pages').then((module) => ({ default: module.AccountPage })),
);
const SignIn = lazy(() => import('./auth/SignIn').then((module) => ({ default: module.SignIn })));
// Loaded when first shown: the inbox's first load carries only what the inbox needs.
const Settings = lazy(() => import('./settings/Settings').then((module) => ({ default: module.Settings })));
const Approvals = lazy(() => import('./quotes/Approvals').then((module) => ({ default: module.Approvals })));
const Contacts = lazy(() => import('./contacts/Contacts').then((module) => ({ default: module.Contacts })));
const ImportScreen = lazy(() =>
  import('./contacts/ImportScreen').then((module) => ({ default: module.ImportScreen })),
);

type SessionControls = ReturnType<typeof useSession>;

export function App() {
  const controls = useSession();
  if (controls.state.status === 'loading') return <p className="loading">Loading…</p>;
  return (
    <Routes>
      {ACCOUNT_PATHS.map((path) => (
        <Route
          key={path}
          path={path}
          element={
            <Loading>
              <AccountPage path={path} session={controls} />
            </Loading>
          }
        />
      ))}
      <Route path="*" element={<Workspace controls={controls} />} />
    </Routes>
  );
}

/** Every other path: sign-in when signed out, the workspace chooser, or the signed-in app. */
function Workspace(props: { controls: SessionControls }) {
  const { state, reload, signOut, signedOut, switchTenant } = props.controls;
  if (state.status !== 'signed-in') {
    return (
      <Loading>
        <SignIn key={state.status} secondFactor={state.status === 'second-factor'} onSignedIn={reload} />
      </Loading>
    );
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
  // Keyed by workspace: its socket and its cache of server answers end with it.
  return (
    <WorkspaceCache key={session.activeTenant.id}>
      <LiveProvider onSessionEnded={() => void reload().catch(signedOut)}>
        <LiveQuerySync />
        <Shell session={session} onSignOut={signOut} onSwitchTenant={switchTenant}>
          <Routes>
            <Route path="/inbox/:conversationId?" element={<InboxRoute session={session} />} />
            <Route
              path="/quotes/approvals"
              element={
                <Loading>
                  <Approvals />
                </Loading>
              }
            />
            <Route
              path="/contacts/import/:importId?"
              element={
                <Loading>
                  <ImportScreen />
                </Loading>
              }
            />
            <Route
              path="/contacts/:contactId?"
              element={
                <Loading>
                  <Contacts role={session.activeTenant?.role ?? 'agent'} />
                </Loading>
              }
            />
            <Route
              path="/settings/:page?"
              element={
                <Loading>
                  <Settings session={session} />
                </Loading>
              }
            />
            <Route path="*" element={<Navigate to="/inbox" replace />} />
          </Routes>
        </Shell>
      </LiveProvider>
    </WorkspaceCache>
  );
}

function Loading(props: { children: ReactNode }) {
  return <Suspense fallback={<p className="loading">Loading…</p>}>{props.children}</Suspense>;
}

function WorkspaceCache(props: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  return <QueryClientProvider client={client}>{props.children}</QueryClientProvider>;
}

function LiveQuerySync() {
  useLiveQuerySync();
  return null;
}

function InboxRoute(props: { session: Session }) {
  const { conversationId } = useParams();
  return <Inbox session={props.session} conversationId={conversationId ?? null} />;
}

function Shell(props: {
  session: Session;
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
          <NavLink to="/inbox">Inbox</NavLink>
          <NavLink to="/contacts">Contacts</NavLink>
          {session.activeTenant?.role !== 'agent' && <QuotesNavLink />}
          <NavLink to="/settings">Settings</NavLink>
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
      <main id="main">
        <PlanBanner automation={props.session.automation} />
        {props.children}
      </main>
    </div>
  );
}
