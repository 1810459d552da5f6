import { lazy, Suspense, useEffect, useRef } from 'react';
import { NavLink, useParams } from 'react-router';
import type { Session } from '../api/types';
import { Account } from './Account';
import { ApiKeys } from './ApiKeys';
import { AuditLog } from './AuditLog';
import { CannedResponses } from './CannedResponses';
import { Channels } from './Channels';
import { Labels } from './Labels';
import { Members } from './Members';
import { Security } from './Security';

const Catalog = lazy(() => import('../quotes/Catalog').then((module) => ({ default: module.Catalog })));
const QuoteSettings = lazy(() =>
  import('../quotes/QuoteSettings').then((module) => ({ default: module.QuoteSettings })),
);
// Telephony pages load when first opened (the widget builder and the hours editor are the largest).
const Twilio = lazy(() => import('./Twilio').then((module) => ({ default: module.Twilio })));
const Widgets = lazy(() => import('./Widgets').then((module) => ({ default: module.Widgets })));
const BusinessHours = lazy(() =>
  import('./BusinessHours').then((module) => ({ default: module.BusinessHours })),
);
const Callbacks = lazy(() => import('./Callbacks').then((module) => ({ default: module.Callbacks })));

const PAGES = [
  { id: 'channels', title: 'Channels', admin: true },
  { id: 'twilio', title: 'Twilio', admin: true },
  { id: 'widgets', title: 'Call-back widgets', admin: true },
  { id: 'business-hours', title: 'Business hours', admin: true },
  { id: 'callbacks', title: 'Call-backs', admin: false },
  { id: 'members', title: 'Members', admin: false },
  { id: 'labels', title: 'Labels', admin: true },
  { id: 'canned-responses', title: 'Canned responses', admin: true },
  { id: 'catalog', title: 'Catalog', admin: true },
  { id: 'quotes', title: 'Quotes', admin: true },
  { id: 'api-keys', title: 'API keys', admin: true },
  { id: 'audit', title: 'Audit log', admin: true },
  { id: 'security', title: 'Security', admin: true, ownerOnly: true },
  { id: 'account', title: 'My account', admin: false },
] as const;

export function Settings(props: { session: Session }) {
  const { page: requested } = useParams();
  const role = props.session.activeTenant?.role ?? 'agent';
  const pages = PAGES.filter(
    (page) => (!page.admin || role !== 'agent') && (!('ownerOnly' in page) || role === 'owner'),
  );
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
        {page?.id === 'channels' && <Channels />}
        {page?.id === 'members' && <Members canManage={role !== 'agent'} />}
        {page?.id === 'labels' && <Labels />}
        {page?.id === 'canned-responses' && <CannedResponses />}
        {page?.id === 'api-keys' && <ApiKeys />}
        {page?.id === 'audit' && <AuditLog />}
        {page?.id === 'security' && <Security session={props.session} />}
        {page?.id === 'account' && <Account />}
        <Suspense fallback={<p className="loading">Loading…</p>}>
          {page?.id === 'catalog' && <Catalog />}
          {page?.id === 'quotes' && <QuoteSettings />}
          {page?.id === 'twilio' && <Twilio />}
          {page?.id === 'widgets' && <Widgets />}
          {page?.id === 'business-hours' && <BusinessHours />}
          {page?.id === 'callbacks' && <Callbacks />}
        </Suspense>
      </section>
    </div>
  );
}
