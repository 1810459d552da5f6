import { useState } from 'react';
import type { ContactSummary, Session } from '../api/types';
import { Empty } from '../common/feedback';
import { ContactPanel } from './ContactPanel';
import { ConversationList } from './ConversationList';
import { Thread } from './Thread';

/** List, thread and contact side by side (stacked on narrow screens: the open pane shows). */
export function Inbox(props: { session: Session; conversationId: string | null }) {
  const [contact, setContact] = useState<ContactSummary | null>(null);
  const { conversationId } = props;
  return (
    <div className={`inbox ${conversationId ? 'has-thread' : ''}`}>
      <ConversationList selectedId={conversationId} />
      {conversationId ? (
        <>
          <Thread
            key={conversationId}
            conversationId={conversationId}
            userId={props.session.user.id}
            onContact={setContact}
          />
          {contact && <ContactPanel key={contact.id} contact={contact} conversationId={conversationId} />}
        </>
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
