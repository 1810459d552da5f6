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

// Pages load when first opened (the widget builder and the hours editor are the largest).
const Catalog = lazy(() => import('../quotes/Catalog').then((module) => ({ default: module.Catalog })));
const QuoteSettings = lazy(() =>
  import('../quotes/QuoteSettings').then((module) => ({ default: module.QuoteSettings })),
);
const Hubspot = lazy(() => import('./Hubspot').then((module) => ({ default: module.Hubspot })));
const Twilio = lazy(() => import('./Twilio').then((module) => ({ default: module.Twilio })));
const Widgets = lazy(() => import('./Widgets').then((module) => ({ default: module.Widgets })));
const BusinessHours = lazy(() =>
  import('./BusinessHours').then((module) => ({ default: module.BusinessHours })),
);
const Callbacks = lazy(() => import('./Callbacks').then((module) => ({ default: module.Callbacks })));
const DeadLetters = lazy(() => import('./DeadLetters').then((module) => ({ default: module.DeadLetters })));
const Privacy = lazy(() => import('./Privacy').then((module) => ({ default: module.Privacy })));
const Usage = lazy(() => import('./Usage').then((module) => ({ default: module.Usage })));
const CustomFields = lazy(() =>
  import('./CustomFields').then((module) => ({ default: module.CustomFields })),
);
const PipelineStages = lazy(() =>
  import('./PipelineStages').then((module) => ({ default: module.PipelineStages })),
);

interface SettingsPage {
  id: string;
  title: string;
  /** Who sees it: owners and admins (`admin`), owners only (`owner`), or everyone. */
  access?: 'admin' | 'owner';
  render: (context: { session: Session; role: Role }) => ReactNode;
}

/** The settings nav, in order: a new page is one entry here. */
const PAGES: SettingsPage[] = [
  { id: 'channels', title: 'Channels', access: 'admin', render: () => <Channels /> },
  { id: 'twilio', title: 'Twilio', access: 'admin', render: () => <Twilio /> },
  { id: 'hubspot', title: 'HubSpot', access: 'admin', render: () => <Hubspot /> },
  { id: 'widgets', title: 'Call-back widgets', access: 'admin', render: () => <Widgets /> },
  { id: 'business-hours', title: 'Business hours', access: 'admin', render: () => <BusinessHours /> },
  { id: 'callbacks', title: 'Call-backs', render: () => <Callbacks /> },
  { id: 'members', title: 'Members', render: ({ role }) => <Members canManage={role !== 'agent'} /> },
  { id: 'labels', title: 'Labels', access: 'admin', render: () => <Labels /> },
  { id: 'canned-responses', title: 'Canned responses', access: 'admin', render: () => <CannedResponses /> },
  { id: 'custom-fields', title: 'Custom fields', access: 'admin', render: () => <CustomFields /> },
  { id: 'pipeline', title: 'Pipeline stages', access: 'admin', render: () => <PipelineStages /> },
  { id: 'catalog', title: 'Catalog', access: 'admin', render: () => <Catalog /> },
  { id: 'quotes', title: 'Quotes', access: 'admin', render: () => <QuoteSettings /> },
  { id: 'bot', title: 'Bot', access: 'admin', render: () => <BotSettings /> },
  { id: 'llm', title: 'LLM agent', access: 'admin', render: () => <LlmSettings /> },
  { id: 'lead-sources', title: 'Lead sources', access: 'admin', render: () => <LeadSources /> },
  { id: 'api-keys', title: 'API keys', access: 'admin', render: () => <ApiKeys /> },
  { id: 'audit', title: 'Audit log', access: 'admin', render: () => <AuditLog /> },
  { id: 'failed-jobs', title: 'Failed jobs', access: 'admin', render: () => <DeadLetters /> },
  { id: 'privacy', title: 'Privacy', access: 'admin', render: () => <Privacy /> },
  { id: 'usage', title: 'Usage', render: () => <Usage /> },
  {
    id: 'security',
    title: 'Security',
    access: 'owner',
    render: ({ session }) => <Security session={session} />,
  },
  { id: 'account', title: 'My account', render: () => <Account /> },
];

function visible(page: SettingsPage, role: Role): boolean {
  if (page.access === 'owner') return role === 'owner';
  if (page.access === 'admin') return role !== 'agent';
  return true;
}

export function Settings(props: { session: Session }) {
  const { page: requested } = useParams();
  const role = props.session.activeTenant?.role ?? 'agent';
  const pages = PAGES.filter((page) => visible(page, role));
  const page = pages.find((item) => item.id === requested) ?? pages[0];
  // Each page is a view: its title, and focus on its heading when it opens.
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    document.title = `${page?.title ?? 'Settings'} · Settings · Leadline`;
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
  }, [page?.title]);
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <ul>
          {pages.map((item) => (
            <li key={item.id}>
              <NavLink to={`/settings/${item.id}`} aria-current={item.id === page?.id ? 'page' : undefined}>
                {item.title}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <section className="settings-page" ref={section}>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          {page?.render({ session: props.session, role })}
        </Suspense>
      </section>
    </div>
  );
}
