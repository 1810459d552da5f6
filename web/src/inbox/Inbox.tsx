import { lazy, Suspense, useState } from 'react';
import type { ContactSummary, Session } from '../api/types';
import { Empty } from '../common/feedback';
import { ConversationList } from './ConversationList';

// The open conversation's code loads with the first conversation opened: the list comes first.
const Thread = lazy(() => import('./Thread').then((module) => ({ default: module.Thread })));
const ContactPanel = lazy(() =>
  import('./ContactPanel').then((module) => ({ default: module.ContactPanel })),
);

/** List, thread and contact side by side (stacked on narrow screens: the open pane shows). */
export function Inbox(props: { session: Session; conversationId: string | null }) {
  const [contact, setContact] = useState<ContactSummary | null>(null);
  const { conversationId } = props;
  return (
    <div className={`inbox ${conversationId ? 'has-thread' : ''}`}>
      <ConversationList />
      {conversationId ? (
        <Suspense fallback={<section className="thread" aria-label="Conversation" aria-busy="true" />}>
          <Thread
            key={conversationId}
            conversationId={conversationId}
            userId={props.session.user.id}
            onContact={setContact}
          />
          {contact && <ContactPanel key={contact.id} contact={contact} conversationId={conversationId} />}
        </Suspense>
      ) : (
        <section className="thread thread-empty" aria-label="Conversation">
          <Empty title="Choose a conversation">
            Pick one from the list, or wait for a customer to write.
          </Empty>
        </section>
      )}
    </div>
  );
}
