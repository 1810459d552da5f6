import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/client';
import type { Conversation, Page } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
import { Link } from '../common/router';
import { useLiveEvents } from '../live/use-live';
import { FILTERS, type Filter, listConversations } from './inbox-api';
import { LabelSwatch } from './LabelSwatch';

const FILTER_LABELS: Record<Filter, string> = {
  open: 'Open',
  mine: 'Mine',
  unassigned: 'Unassigned',
  bot: 'Bot',
  human: 'Human',
  closed: 'Closed',
};

const OWNERSHIP_LABELS = { bot: 'Bot', human: 'Human', paused: 'Paused' } as const;

export function ConversationList(props: { selectedId: string | null }) {
  const [filter, setFilter] = useState<Filter>('open');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [items, setItems] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const sentinel = useRef<HTMLLIElement>(null);
  const loadingMore = useRef(false);

  useEffect(() => {
    const timer = window.setTimeout(() => setQ(search.trim()), 250);
    return () => window.clearTimeout(timer);
  }, [search]);

  // The first page, again whenever the filter, the search or the conversations change. A refresh for a
  // live event keeps the pages scrolled to below it; a new filter or search starts over.
  const shownQuery = useRef('');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads is the trigger on purpose
  useEffect(() => {
    const controller = new AbortController();
    const query = `${filter}|${q}`;
    const refresh = shownQuery.current === query;
    setLoading(true);
    listConversations({ filter, q, cursor: null }, controller.signal).then(
      (page) => {
        shownQuery.current = query;
        setItems((current) => (refresh ? withFreshFirstPage(current, page) : page.items));
        if (!refresh) setCursor(page.nextCursor);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (controller.signal.aborted) return;
        setError(describeError(caught));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [filter, q, reloads]);

  const loadMore = useCallback(async () => {
    if (!cursor || loadingMore.current) return;
    loadingMore.current = true;
    try {
      const page = await listConversations({ filter, q, cursor }, new AbortController().signal);
      setItems((current) => [
        ...current,
        ...page.items.filter((item) => !current.some((c) => c.id === item.id)),
      ]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      loadingMore.current = false;
    }
  }, [cursor, filter, q]);

  useEffect(() => {
    const target = sentinel.current;
    if (!target) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void loadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [loadMore]);

  // Bursts of events (a busy workspace) cost one refresh, not one each.
  const refreshTimer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);
  useLiveEvents((event) => {
    if (
      event.type === 'message.created' ||
      event.type === 'conversation.updated' ||
      event.type === 'resync'
    ) {
      window.clearTimeout(refreshTimer.current);
      refreshTimer.current = window.setTimeout(() => setReloads((count) => count + 1), 150);
    }
  });

  return (
    <nav className="conversation-list" aria-label="Conversations">
      <div className="list-tools">
        <input
          type="search"
          placeholder="Search name, phone, email, company"
          aria-label="Search conversations"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <fieldset className="filters">
          <legend className="visually-hidden">Filter conversations</legend>
          {FILTERS.map((name) => (
            <button
              key={name}
              type="button"
              className="chip"
              aria-pressed={filter === name}
              onClick={() => setFilter(name)}
            >
              {FILTER_LABELS[name]}
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorNote message={error} onRetry={() => setReloads((count) => count + 1)} />
      {!loading && !error && items.length === 0 && (
        <Empty title="No conversations here">
          {q
            ? 'Nothing matches this search. Try a phone number or another spelling.'
            : 'New WhatsApp messages appear here as they arrive.'}
        </Empty>
      )}
      <ul className="conversations">
        {items.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            selected={conversation.id === props.selectedId}
          />
        ))}
        <li ref={sentinel} className="sentinel" aria-hidden="true" />
      </ul>
      {cursor && (
        <button type="button" className="link-button load-more" onClick={() => void loadMore()}>
          Load more
        </button>
      )}
    </nav>
  );
}

/**
 * The fresh first page, then the pages already loaded below it: those it pushed down stay, those that
 * left the list (newer than the page's last item, yet not on it) go.
 */
function withFreshFirstPage(current: Conversation[], page: Page<Conversation>): Conversation[] {
  if (page.nextCursor === null) return page.items;
  const onPage = new Set(page.items.map((item) => item.id));
  const oldest = page.items.at(-1)?.lastMessageAt ?? '';
  return [
    ...page.items,
    ...current.filter((item) => !onPage.has(item.id) && (item.lastMessageAt ?? '') <= oldest),
  ];
}

function ConversationItem(props: { conversation: Conversation; selected: boolean }) {
  const { conversation } = props;
  const unread = conversation.unreadCount ?? 0;
  const preview =
    conversation.lastMessage?.preview ??
    (conversation.lastMessage ? `[${conversation.lastMessage.type}]` : '');
  return (
    <li>
      <Link to={`/inbox/${conversation.id}`} className="conversation-item" current={props.selected}>
        <span className="item-top">
          <span className="item-name">{contactName(conversation.contact)}</span>
          <time className="item-time" dateTime={conversation.lastMessageAt ?? undefined}>
            {shortTime(conversation.lastMessage?.sentAt ?? conversation.lastMessageAt)}
          </time>
        </span>
        <span className="item-bottom">
          <span className="item-preview">{preview}</span>
          {unread > 0 && (
            <span className="badge">
              {unread}
              <span className="visually-hidden"> unread</span>
            </span>
          )}
        </span>
        <span className="item-tags">
          <span className={`tag ownership-${conversation.ownership}`}>
            {OWNERSHIP_LABELS[conversation.ownership]}
          </span>
          {conversation.status === 'closed' && <span className="tag">Closed</span>}
          {(conversation.labels ?? []).map((label) => (
            <span key={label.id} className="tag label-tag">
              <LabelSwatch color={label.color} />
              {label.name}
            </span>
          ))}
        </span>
      </Link>
    </li>
  );
}
