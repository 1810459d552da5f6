import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { NavLink } from 'react-router';
import { describeError } from '../api/client';
import { keys } from '../api/queries';
import type { Conversation } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
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

/** `onWorkspaceEmpty` learns whether the workspace has any open conversation (the unfiltered list). */
export function ConversationList(props: { onWorkspaceEmpty?: (empty: boolean) => void }) {
  const [filter, setFilter] = useState<Filter>('open');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const sentinel = useRef<HTMLLIElement>(null);

  useEffect(() => {
    const timer = window.setTimeout(() => setQ(search.trim()), 250);
    return () => window.clearTimeout(timer);
  }, [search]);

  // A live event invalidates the list: TanStack Query refetches the pages already loaded, from the first.
  const query = useInfiniteQuery({
    queryKey: keys.conversationList(filter, q),
    queryFn: ({ pageParam, signal }) => listConversations({ filter, q, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = uniqueById(query.data?.pages.flatMap((page) => page.items) ?? []);
  const error = query.error ? describeError(query.error) : null;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const unfilteredEmpty = filter === 'open' && q === '' && query.isSuccess ? items.length === 0 : undefined;
  const onWorkspaceEmpty = props.onWorkspaceEmpty;
  useEffect(() => {
    if (unfilteredEmpty !== undefined) onWorkspaceEmpty?.(unfilteredEmpty);
  }, [unfilteredEmpty, onWorkspaceEmpty]);

  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  useEffect(() => {
    const target = sentinel.current;
    if (!target) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [loadMore]);

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
      <ErrorNote message={error} onRetry={() => void query.refetch()} />
      {!query.isPending && !error && items.length === 0 && (
        <Empty title="No conversations here">
          {q
            ? 'Nothing matches this search. Try a phone number or another spelling.'
            : 'New WhatsApp messages appear here as they arrive.'}
        </Empty>
      )}
      <ul className="conversations">
        {items.map((conversation) => (
          <ConversationItem key={conversation.id} conversation={conversation} />
        ))}
        <li ref={sentinel} className="sentinel" aria-hidden="true" />
      </ul>
      {hasNextPage && (
        <button type="button" className="link-button load-more" onClick={loadMore}>
          Load more
        </button>
      )}
    </nav>
  );
}

/** A conversation that moved up while later pages loaded may be on two pages: shown once. */
function uniqueById(conversations: Conversation[]): Conversation[] {
  const seen = new Set<string>();
  return conversations.filter((item) => !seen.has(item.id) && seen.add(item.id));
}

function ConversationItem(props: { conversation: Conversation }) {
  const { conversation } = props;
  const unread = conversation.unreadCount ?? 0;
  const preview =
    conversation.lastMessage?.preview ??
    (conversation.lastMessage ? `[${conversation.lastMessage.type}]` : '');
  return (
    <li>
      <NavLink to={`/inbox/${conversation.id}`} className="conversation-item">
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
          <span className="tag channel-tag">{conversation.channelKind === 'sms' ? 'SMS' : 'WhatsApp'}</span>
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
      </NavLink>
    </li>
  );
}
