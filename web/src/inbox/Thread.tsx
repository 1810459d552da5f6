import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { Conversation, Message, Note } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';
import { useLiveEvents } from '../live/use-live';
import { Composer } from './Composer';
import { ConversationControls } from './ConversationControls';
import { listMessages } from './inbox-api';
import { MessageView } from './MessageView';
import './conversation.css';

/** Marks what the operator now sees as read (a server without read marks simply refuses). */
function markRead(conversationId: string) {
  api('POST', `/conversations/${conversationId}/read`).catch(() => undefined);
}

/** Oldest first, each message once (a refetch after new messages may repeat one across pages). */
function chronological(pages: { items: Message[] }[]): Message[] {
  const seen = new Set<string>();
  const newestFirst = pages.flatMap((page) => page.items).filter((m) => !seen.has(m.id) && seen.add(m.id));
  return newestFirst.reverse();
}

/** A conversation: header with its controls, the messages (newest at the bottom) and the composer. */
export function Thread(props: {
  conversationId: string;
  userId: string;
  onContact: (contact: Conversation['contact']) => void;
  contactOpen: boolean;
  onToggleContact: () => void;
}) {
  const { conversationId } = props;
  const client = useQueryClient();
  const [mediaVersion, setMediaVersion] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  const conversationQuery = useQuery({
    queryKey: keys.conversation(conversationId),
    queryFn: ({ signal }) =>
      api<Conversation>('GET', `/conversations/${conversationId}`, undefined, { signal }),
  });
  // Pages newest first: the first page is the newest messages, each next page older ones.
  const messagesQuery = useInfiniteQuery({
    queryKey: keys.messages(conversationId),
    queryFn: ({ pageParam, signal }) => listMessages(conversationId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const notesQuery = useQuery({
    queryKey: keys.notes(conversationId),
    queryFn: async ({ signal }) => {
      try {
        const path = `/conversations/${conversationId}/notes`;
        return (await api<{ items: Note[] }>('GET', path, undefined, { signal })).items;
      } catch {
        return [];
      }
    },
  });
  const conversation = conversationQuery.data ?? null;
  const heading = useView(conversation ? contactName(conversation.contact) : t('inbox.conversation'));
  const messages = chronological(messagesQuery.data?.pages ?? []);
  const notes = notesQuery.data ?? [];
  const failed = conversationQuery.error ?? messagesQuery.error;
  const error = failed ? describeError(failed) : null;

  useEffect(() => markRead(conversationId), [conversationId]);

  // What to refetch is live-query-sync's job; these are the thread's own side effects of an event.
  useLiveEvents((event) => {
    if (!('conversationId' in event) || event.conversationId !== conversationId) return;
    if (event.type === 'message.updated') setMediaVersion((version) => version + 1);
    if (event.type === 'message.created') markRead(conversationId);
  });

  const onContact = props.onContact;
  const contact = conversation?.contact;
  useEffect(() => {
    if (contact) onContact(contact);
  }, [contact, onContact]);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  });

  const loadOlder = () => {
    stickToBottom.current = false;
    void messagesQuery.fetchNextPage();
  };
  const reload = () => {
    void conversationQuery.refetch();
    void messagesQuery.refetch();
  };
  const changed = (updated: Conversation) => {
    client.setQueryData(keys.conversation(conversationId), updated);
    void client.invalidateQueries({ queryKey: keys.conversationLists });
  };

  const timeline = [
    ...messages.map((message) => ({ at: message.sentAt, message })),
    ...notes.map((note) => ({ at: note.createdAt, note })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  return (
    <section className="thread" aria-label={t('inbox.conversation')}>
      <header className="thread-header">
        <Link to="/inbox" className="back-link">
          ← {t('inbox.conversations')}
        </Link>
        <h1 tabIndex={-1} ref={heading}>
          {conversation ? contactName(conversation.contact) : t('common.loading')}
        </h1>
        {conversation && <span className="muted">{conversation.contact.phoneE164}</span>}
        <button
          type="button"
          className="contact-toggle"
          aria-expanded={props.contactOpen}
          aria-controls="contact-panel"
          onClick={props.onToggleContact}
        >
          {t('thread.contact')}
        </button>
      </header>
      {conversation && (
        <ConversationControls conversation={conversation} userId={props.userId} onChanged={changed} />
      )}
      <ErrorNote message={error} onRetry={reload} />
      {/* Focusable, so the keyboard can scroll the thread; a log: new messages are announced politely. */}
      <div
        className="messages"
        role="log"
        aria-label={t('thread.messages')}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard
        tabIndex={0}
        ref={scroller}
        onScroll={(event) => {
          const element = event.currentTarget;
          stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {messagesQuery.hasNextPage && (
          <button type="button" className="link-button older" onClick={loadOlder}>
            {t('thread.loadOlder')}
          </button>
        )}
        <ol className="message-list">
          {timeline.map((item) =>
            'message' in item && item.message ? (
              <MessageView key={item.message.id} message={item.message} mediaVersion={mediaVersion} />
            ) : 'note' in item && item.note ? (
              <li key={item.note.id} className="note">
                <span className="author">
                  {t('thread.noteBy', { author: item.note.authorEmail ?? t('thread.operator') })}
                </span>
                <span className="note-text">{item.note.text}</span>
                <time dateTime={item.note.createdAt}>{shortTime(item.note.createdAt)}</time>
              </li>
            ) : null,
          )}
        </ol>
      </div>
      {conversation && (
        <Composer
          conversation={conversation}
          onSent={() => void client.invalidateQueries({ queryKey: keys.messages(conversationId) })}
          onNoted={() => void client.invalidateQueries({ queryKey: keys.notes(conversationId) })}
        />
      )}
    </section>
  );
}
