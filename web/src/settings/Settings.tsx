import { lazy, type ReactNode, Suspense, useEffect, useRef } from 'react';
import { NavLink, useParams } from 'react-router';
import type { Role, Session } from '../api/types';
import { Account } from './Account';
import { ApiKeys } from './ApiKeys';
import { AuditLog } from './AuditLog';
import { BotSettings } from './BotSettings';
import { CannedResponses } from './CannedResponses';
import { Channels } from './Channels';
import { Labels } from './Labels';
import { LeadSources } from './LeadSources';
import { LlmSettings } from './LlmSettings';
import { Members } from './Members';
import { Security } from './Security';
import './settings.css';
import { t, withStrings } from '../i18n/i18n';

// Pages load when first opened (the widget builder and the hours editor are the largest).
const Catalog = lazy(() =>
  withStrings(['quotes'], () => import('../quotes/Catalog')).then((module) => ({ default: module.Catalog })),
);
const QuoteSettings = lazy(() =>
  withStrings(['quotes'], () => import('../quotes/QuoteSettings')).then((module) => ({
    default: module.QuoteSettings,
  })),
);
const Hubspot = lazy(() => import('./Hubspot').then((module) => ({ default: module.Hubspot })));
const EmailEvents = lazy(() => import('./EmailEvents').then((module) => ({ default: module.EmailEvents })));
const Twilio = lazy(() => import('./Twilio').then((module) => ({ default: module.Twilio })));
const Widgets = lazy(() => import('./Widgets').then((module) => ({ default: module.Widgets })));
const BusinessHours = lazy(() =>
  import('./BusinessHours').then((module) => ({ default: module.BusinessHours })),
);
const Callbacks = lazy(() => import('./Callbacks').then((module) => ({ default: module.Callbacks })));
const DeadLetters = lazy(() => import('./DeadLetters').then((module) => ({ default: module.DeadLetters })));
const Privacy = lazy(() => import('./Privacy').then((module) => ({ default: module.Privacy })));
const InboxSettings = lazy(() =>
  import('./InboxSettings').then((module) => ({ default: module.InboxSettings })),
);
const Usage = lazy(() => import('./Usage').then((module) => ({ default: module.Usage })));
const CustomFields = lazy(() =>
  import('./CustomFields').then((module) => ({ default: module.CustomFields })),
);
const PipelineStages = lazy(() =>
  import('./PipelineStages').then((module) => ({ default: module.PipelineStages })),
);

interface SettingsPage {
  id: string;
  /** In the active language: read when shown. */
  title: () => string;
  /** Who sees it: owners and admins (`admin`), owners only (`owner`), or everyone. */
  access?: 'admin' | 'owner';
  render: (context: { session: Session; role: Role; onSessionChanged: () => Promise<unknown> }) => ReactNode;
}

/** The settings nav, in order: a new page is one entry here. */
const PAGES: SettingsPage[] = [
  { id: 'channels', title: () => t('settings.page.channels'), access: 'admin', render: () => <Channels /> },
  { id: 'twilio', title: () => t('settings.page.twilio'), access: 'admin', render: () => <Twilio /> },
  { id: 'hubspot', title: () => t('settings.page.hubspot'), access: 'admin', render: () => <Hubspot /> },
  { id: 'widgets', title: () => t('settings.page.widgets'), access: 'admin', render: () => <Widgets /> },
  {
    id: 'business-hours',
    title: () => t('settings.page.businessHours'),
    access: 'admin',
    render: () => <BusinessHours />,
  },
  { id: 'callbacks', title: () => t('settings.page.callbacks'), render: () => <Callbacks /> },
  {
    id: 'members',
    title: () => t('settings.page.members'),
    render: ({ role }) => <Members canManage={role !== 'agent'} />,
  },
  { id: 'inbox', title: () => t('settings.page.inbox'), access: 'admin', render: () => <InboxSettings /> },
  { id: 'labels', title: () => t('settings.page.labels'), access: 'admin', render: () => <Labels /> },
  {
    id: 'canned-responses',
    title: () => t('settings.page.cannedResponses'),
    access: 'admin',
    render: () => <CannedResponses />,
  },
  {
    id: 'custom-fields',
    title: () => t('settings.page.customFields'),
    access: 'admin',
    render: () => <CustomFields />,
  },
  {
    id: 'pipeline',
    title: () => t('settings.page.pipeline'),
    access: 'admin',
    render: () => <PipelineStages />,
  },
  { id: 'catalog', title: () => t('settings.page.catalog'), access: 'admin', render: () => <Catalog /> },
  { id: 'quotes', title: () => t('settings.page.quotes'), access: 'admin', render: () => <QuoteSettings /> },
  { id: 'bot', title: () => t('settings.page.bot'), access: 'admin', render: () => <BotSettings /> },
  { id: 'llm', title: () => t('settings.page.llm'), access: 'admin', render: () => <LlmSettings /> },
  {
    id: 'lead-sources',
    title: () => t('settings.page.leadSources'),
    access: 'admin',
    render: () => <LeadSources />,
  },
  { id: 'api-keys', title: () => t('settings.page.apiKeys'), access: 'admin', render: () => <ApiKeys /> },
  { id: 'audit', title: () => t('settings.page.audit'), access: 'admin', render: () => <AuditLog /> },
  {
    id: 'failed-jobs',
    title: () => t('settings.page.failedJobs'),
    access: 'admin',
    render: () => <DeadLetters />,
  },
  { id: 'privacy', title: () => t('settings.page.privacy'), access: 'admin', render: () => <Privacy /> },
  {
    id: 'email-events',
    title: () => t('settings.page.emailEvents'),
    access: 'admin',
    render: () => <EmailEvents />,
  },
  { id: 'usage', title: () => t('settings.page.usage'), render: () => <Usage /> },
  {
    id: 'security',
    title: () => t('settings.page.security'),
    access: 'owner',
    render: ({ session }) => <Security session={session} />,
  },
  {
    id: 'account',
    title: () => t('settings.page.account'),
    render: ({ session, onSessionChanged }) => (
      <Account session={session} onSessionChanged={onSessionChanged} />
    ),
  },
];

function visible(page: SettingsPage, role: Role): boolean {
  if (page.access === 'owner') return role === 'owner';
  if (page.access === 'admin') return role !== 'agent';
  return true;
}

export function Settings(props: { session: Session; onSessionChanged: () => Promise<unknown> }) {
  const { page: requested } = useParams();
  const role = props.session.activeTenant?.role ?? 'agent';
  const pages = PAGES.filter((page) => visible(page, role));
  const page = pages.find((item) => item.id === requested) ?? pages[0];
  // Each page is a view: its title, and focus on its heading when it opens.
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    document.title = `${page?.title() ?? t('shell.settings')} · ${t('shell.settings')} · Leadline`;
    const focusHeading = () => {
      const heading = section.current?.querySelector('h1');
      heading?.setAttribute('tabindex', '-1');
      heading?.focus({ preventScroll: true });
      return heading !== null && heading !== undefined;
    };
    if (focusHeading() || !section.current) return;
    // A lazily loaded page's heading appears once its code arrived.
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect();
    });
    observer.observe(section.current, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [page]);
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label={t('shell.settings')}>
        <ul>
          {pages.map((item) => (
            <li key={item.id}>
              <NavLink to={`/settings/${item.id}`} aria-current={item.id === page?.id ? 'page' : undefined}>
                {item.title()}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <section className="settings-page" ref={section}>
        <Suspense fallback={<p className="loading">{t('common.loading')}</p>}>
          {page?.render({ session: props.session, role, onSessionChanged: props.onSessionChanged })}
        </Suspense>
      </section>
    </div>
  );
}
