import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api, describeError } from '../api/client';
import type { Conversation, Message, Note } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
import { Link } from '../common/router';
import { useLiveEvents } from '../live/use-live';
import { Composer } from './Composer';
import { ConversationControls } from './ConversationControls';
import { listMessages } from './inbox-api';
import { MessageView } from './MessageView';

/** A conversation: header with its controls, the messages (newest at the bottom) and the composer. */
export function Thread(props: {
  conversationId: string;
  userId: string;
  onContact: (contact: Conversation['contact']) => void;
}) {
  const { conversationId } = props;
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mediaVersion, setMediaVersion] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  const loadConversation = useCallback(async () => {
    setConversation(await api<Conversation>('GET', `/conversations/${conversationId}`));
  }, [conversationId]);

  const loadNewest = useCallback(async () => {
    const page = await listMessages(conversationId, null, new AbortController().signal);
    setMessages((current) => {
      const newest = [...page.items].reverse();
      const older = current.filter((message) => !newest.some((item) => item.id === message.id));
      const oldestNew = newest[0]?.sentAt ?? '';
      return [...older.filter((message) => message.sentAt < oldestNew), ...newest];
    });
    setOlderCursor((current) => current ?? page.nextCursor);
  }, [conversationId]);

  const loadNotes = useCallback(async () => {
    try {
      setNotes((await api<{ items: Note[] }>('GET', `/conversations/${conversationId}/notes`)).items);
    } catch {
      setNotes([]);
    }
  }, [conversationId]);

  const reload = useCallback(async () => {
    try {
      await Promise.all([loadConversation(), loadNewest(), loadNotes()]);
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [loadConversation, loadNewest, loadNotes]);

  useEffect(() => {
    setConversation(null);
    setMessages([]);
    setNotes([]);
    setOlderCursor(null);
    stickToBottom.current = true;
    void reload();
    // Marks what the operator now sees as read (a server without read marks simply refuses).
    api('POST', `/conversations/${conversationId}/read`).catch(() => undefined);
  }, [conversationId, reload]);

  useLiveEvents((event) => {
    if (event.type === 'resync') void reload();
    else if ('conversationId' in event && event.conversationId === conversationId) {
      if (event.type === 'note.created') void loadNotes();
      else if (event.type === 'conversation.updated') void loadConversation().catch(() => undefined);
      else {
        if (event.type === 'message.updated') setMediaVersion((version) => version + 1);
        void loadNewest().catch(() => undefined);
        if (event.type === 'message.created') {
          void loadConversation().catch(() => undefined);
          api('POST', `/conversations/${conversationId}/read`).catch(() => undefined);
        }
      }
    }
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

  const loadOlder = async () => {
    if (!olderCursor) return;
    try {
      const page = await listMessages(conversationId, olderCursor, new AbortController().signal);
      stickToBottom.current = false;
      setMessages((current) => [
        ...[...page.items].reverse().filter((m) => !current.some((c) => c.id === m.id)),
        ...current,
      ]);
      setOlderCursor(page.nextCursor);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const timeline = [
    ...messages.map((message) => ({ at: message.sentAt, message })),
    ...notes.map((note) => ({ at: note.createdAt, note })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  return (
    <section className="thread" aria-label="Conversation">
      <header className="thread-header">
        <Link to="/inbox" className="back-link">
          ← Conversations
        </Link>
        <h2>{conversation ? contactName(conversation.contact) : 'Loading…'}</h2>
        {conversation && <span className="muted">{conversation.contact.phoneE164}</span>}
      </header>
      {conversation && (
        <ConversationControls conversation={conversation} userId={props.userId} onChanged={setConversation} />
      )}
      <ErrorNote message={error} onRetry={() => void reload()} />
      <div
        className="messages"
        ref={scroller}
        onScroll={(event) => {
          const element = event.currentTarget;
          stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {olderCursor && (
          <button type="button" className="link-button older" onClick={() => void loadOlder()}>
            Load older messages
          </button>
        )}
        <ol className="message-list" aria-live="polite">
          {timeline.map((item) =>
            'message' in item && item.message ? (
              <MessageView key={item.message.id} message={item.message} mediaVersion={mediaVersion} />
            ) : 'note' in item && item.note ? (
              <li key={item.note.id} className="note">
                <span className="author">Private note · {item.note.authorEmail ?? 'operator'}</span>
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
          onSent={() => void loadNewest()}
          onNoted={() => void loadNotes()}
        />
      )}
    </section>
  );
}
