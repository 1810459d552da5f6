import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { ContactSummary, Session } from '../api/types';
import { Empty } from '../common/feedback';
import { useView } from '../common/view';
import { t, withStrings } from '../i18n/i18n';
import { ConversationList } from './ConversationList';
import { useInboxShortcuts } from './use-shortcuts';

// The open conversation's code loads with the first conversation opened: the list comes first.
const Thread = lazy(() =>
  withStrings(['conversation'], () => import('./Thread')).then((module) => ({ default: module.Thread })),
);
const FirstRunChecklist = lazy(() =>
  withStrings(['conversation'], () => import('./FirstRun')).then((module) => ({
    default: module.FirstRunChecklist,
  })),
);
const QuotePanel = lazy(() =>
  withStrings(['quotes'], () => import('../quotes/QuotePanel')).then((module) => ({
    default: module.QuotePanel,
  })),
);
const ShortcutsHelp = lazy(() =>
  withStrings(['conversation'], () => import('./ShortcutsHelp')).then((module) => ({
    default: module.ShortcutsHelp,
  })),
);
const ContactPanel = lazy(() =>
  withStrings(['conversation'], () => import('./ContactPanel')).then((module) => ({
    default: module.ContactPanel,
  })),
);

/** List, thread and contact side by side (stacked on narrow screens: the open pane shows). */
export function Inbox(props: { session: Session; conversationId: string | null }) {
  const [contact, setContact] = useState<ContactSummary | null>(null);
  // Below 1100 px the contact is a drawer the thread's header opens.
  const [contactOpen, setContactOpen] = useState(false);
  // A workspace without conversations yet is a new one: it gets the first-run checklist.
  const [workspaceEmpty, setWorkspaceEmpty] = useState(false);
  const { conversationId } = props;
  const [help, setHelp] = useState(false);
  useInboxShortcuts(
    conversationId,
    useCallback(() => setHelp(true), []),
  );
  // Another conversation starts with the drawer closed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: conversationId is the trigger on purpose
  useEffect(() => setContactOpen(false), [conversationId]);
  return (
    <div className={`inbox ${conversationId ? 'has-thread' : ''} ${contactOpen ? 'show-contact' : ''}`}>
      {!conversationId && <InboxHeading />}
      <ReturnFocusToClosedConversation conversationId={conversationId} />
      <ConversationList onWorkspaceEmpty={setWorkspaceEmpty} />
      {help && (
        <Suspense fallback={null}>
          <ShortcutsHelp onClose={() => setHelp(false)} />
        </Suspense>
      )}
      {conversationId ? (
        <>
          <Suspense
            fallback={<section className="thread" aria-label={t('inbox.conversation')} aria-busy="true" />}
          >
            <Thread
              key={conversationId}
              conversationId={conversationId}
              userId={props.session.user.id}
              onContact={setContact}
              contactOpen={contactOpen}
              onToggleContact={() => setContactOpen((open) => !open)}
            />
          </Suspense>
          {/* Its own boundary: the panel's chunk arriving later must not hide the thread (and its focus). */}
          <Suspense fallback={null}>
            {contact && (
              <ContactPanel
                key={contact.id}
                contact={contact}
                conversationId={conversationId}
                open={contactOpen}
                onClose={() => {
                  setContactOpen(false);
                  document.querySelector<HTMLElement>('.contact-toggle')?.focus();
                }}
              >
                <Suspense fallback={null}>
                  <QuotePanel
                    key={conversationId}
                    conversationId={conversationId}
                    canApprove={props.session.activeTenant?.role !== 'agent'}
                  />
                </Suspense>
              </ContactPanel>
            )}
          </Suspense>
        </>
      ) : (
        <section className="thread thread-empty" aria-label={t('inbox.conversation')}>
          {workspaceEmpty && props.session.activeTenant?.role !== 'agent' && (
            <Suspense fallback={null}>
              <FirstRunChecklist session={props.session} />
            </Suspense>
          )}
          <Empty title={t('inbox.chooseConversation')}>{t('inbox.chooseConversationHint')}</Empty>
        </section>
      )}
    </div>
  );
}

function InboxHeading() {
  const heading = useView(t('inbox.title'));
  return (
    <h1 className="visually-hidden" tabIndex={-1} ref={heading}>
      {t('inbox.title')}
    </h1>
  );
}

/**
 * Leaving a conversation for the list ("← Conversations" on a phone, or the Inbox link) puts focus on
 * that conversation in the list, where the operator left off, instead of on the heading.
 */
function ReturnFocusToClosedConversation(props: { conversationId: string | null }) {
  const previous = useRef(props.conversationId);
  useEffect(() => {
    const closed = previous.current;
    previous.current = props.conversationId;
    if (!closed || props.conversationId) return;
    document.querySelector<HTMLElement>(`a.conversation-item[href="/inbox/${closed}"]`)?.focus();
  }, [props.conversationId]);
  return null;
}
