import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense, useEffect, useState, useSyncExternalStore } from 'react';
import { Navigate, NavLink, Route, Routes, useParams } from 'react-router';
import { sessionSettled } from './api/client';
import { createQueryClient } from './api/queries';
import type { Session } from './api/types';
import { ACCOUNT_PATHS } from './auth/account-paths';
import { type SessionState, useSession } from './auth/session';
import { Empty } from './common/feedback';
import { activateLocale, currentLocale, onLocaleChange, t, withStrings } from './i18n/i18n';
import { browserLocale, type Locale } from './i18n/locales';
import { Inbox } from './inbox/Inbox';
import { useLiveQuerySync } from './live/live-query-sync';
import { LiveProvider, useLiveState } from './live/use-live';
import { NotificationBell } from './notifications/NotificationBell';
import { QuotesNavLink } from './quotes/QuotesNavLink';

// Shown only while the plan pauses something (rare): it and its strings load then.
const PlanBanner = lazy(() =>
  withStrings(['plan'], () => import('./common/PlanBanner')).then((module) => ({
    default: module.PlanBanner,
  })),
);
const AccountPage = lazy(() =>
  withStrings(['auth'], () => import('./auth/account-pages')).then((module) => ({
    default: module.AccountPage,
  })),
);
const SignIn = lazy(() =>
  withStrings(['auth'], () => import('./auth/SignIn')).then((module) => ({ default: module.SignIn })),
);
// Loaded when first shown, each with its strings: the inbox's first load carries only what the inbox needs.
const Settings = lazy(() =>
  withStrings(['settings', 'conversation', 'auth', 'plan'], () => import('./settings/Settings')).then(
    (module) => ({
      default: module.Settings,
    }),
  ),
);
const Approvals = lazy(() =>
  withStrings(['quotes'], () => import('./quotes/Approvals')).then((module) => ({
    default: module.Approvals,
  })),
);
const Reports = lazy(() =>
  withStrings(['reports'], () => import('./reports/Reports')).then((module) => ({ default: module.Reports })),
);
const Contacts = lazy(() =>
  withStrings(['contacts', 'conversation'], () => import('./contacts/Contacts')).then((module) => ({
    default: module.Contacts,
  })),
);
const Automations = lazy(() =>
  withStrings(['automations'], () => import('./automations/Automations')).then((module) => ({
    default: module.Automations,
  })),
);
const Segments = lazy(() =>
  withStrings(['segments'], () => import('./segments/Segments')).then((module) => ({
    default: module.Segments,
  })),
);
const Campaigns = lazy(() =>
  withStrings(['campaigns'], () => import('./campaigns/Campaigns')).then((module) => ({
    default: module.Campaigns,
  })),
);
const ImportScreen = lazy(() =>
  withStrings(['contacts'], () => import('./contacts/ImportScreen')).then((module) => ({
    default: module.ImportScreen,
  })),
);

type SessionControls = ReturnType<typeof useSession>;

export function App() {
  const controls = useSession();
  const locale = useDashboardLocale(controls.state);
  if (controls.state.status === 'loading') return <p className="loading">{t('common.loading')}</p>;
  // Keyed by language: a change of language renders every view again in the new one.
  return (
    <Routes key={locale}>
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
          <h1>{t('shell.chooseWorkspace')}</h1>
          {session.tenants.length === 0 && (
            <Empty title={t('shell.noWorkspace')}>{t('shell.noWorkspaceHint')}</Empty>
          )}
          {session.tenants.map((tenant) => (
            <button key={tenant.id} type="button" onClick={() => void switchTenant(tenant.id)}>
              {tenant.name}
            </button>
          ))}
          <button type="button" className="link-button" onClick={() => void signOut()}>
            {t('shell.signOut')}
          </button>
        </div>
      </main>
    );
  }
  // Keyed by workspace: its socket and its cache of server answers end with it.
  return (
    <WorkspaceCache key={session.activeTenant.id}>
      {/* The session may be being replaced (re-authentication): its new cookie first, then a fresh look. */}
      <LiveProvider
        onSessionEnded={() =>
          sessionSettled()
            .then(reload)
            .catch(() => {
              signedOut();
              return false;
            })
        }
      >
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
              path="/reports"
              element={
                <Loading>
                  <Reports />
                </Loading>
              }
            />
            <Route
              path="/automations"
              element={
                <Loading>
                  <Automations role={session.activeTenant?.role ?? 'agent'} />
                </Loading>
              }
            />
            <Route
              path="/segments/:segmentId?"
              element={
                <Loading>
                  <Segments />
                </Loading>
              }
            />
            <Route
              path="/campaigns/:campaignId?/:page?"
              element={
                <Loading>
                  <Campaigns role={session.activeTenant?.role ?? 'agent'} />
                </Loading>
              }
            />
            <Route
              path="/settings/:page?"
              element={
                <Loading>
                  <Settings session={session} onSessionChanged={reload} />
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

/**
 * The dashboard's language (ADR 0045): the one the person chose in My account (stored on the server), or
 * else the browser's. Returns the active language once its strings are loaded.
 */
function useDashboardLocale(state: SessionState): Locale {
  const chosen = state.status === 'signed-in' ? state.session.user.locale : undefined;
  const wanted = chosen ?? browserLocale();
  const active = useSyncExternalStore(onLocaleChange, currentLocale);
  useEffect(() => {
    if (wanted !== currentLocale()) void activateLocale(wanted);
  }, [wanted]);
  return active;
}

function Loading(props: { children: ReactNode }) {
  return <Suspense fallback={<p className="loading">{t('common.loading')}</p>}>{props.children}</Suspense>;
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
        {t('shell.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">Leadline</span>
        <nav aria-label={t('shell.mainNav')}>
          <NavLink to="/inbox">{t('shell.inbox')}</NavLink>
          <NavLink to="/contacts">{t('shell.contacts')}</NavLink>
          <NavLink to="/segments">{t('shell.segments')}</NavLink>
          <NavLink to="/campaigns">{t('shell.campaigns')}</NavLink>
          {session.activeTenant?.role !== 'agent' && <QuotesNavLink />}
          <NavLink to="/automations">{t('shell.automations')}</NavLink>
          {session.activeTenant?.role !== 'agent' && <NavLink to="/reports">{t('shell.reports')}</NavLink>}
          <NavLink to="/settings">{t('shell.settings')}</NavLink>
        </nav>
        <span className={`live live-${live}`} role="status">
          {live === 'live'
            ? t('shell.live')
            : live === 'connecting'
              ? t('shell.connecting')
              : t('shell.offline')}
        </span>
        {session.tenants.length > 1 ? (
          <select
            aria-label={t('shell.workspace')}
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
        <NotificationBell />
        <span className="user muted">{session.user.email}</span>
        <button type="button" onClick={() => void props.onSignOut()}>
          {t('shell.signOut')}
        </button>
      </header>
      <main id="main">
        {props.session.automation && (
          <Suspense fallback={null}>
            <PlanBanner automation={props.session.automation} />
          </Suspense>
        )}
        {props.children}
      </main>
    </div>
  );
}
