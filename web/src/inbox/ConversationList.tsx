import { useInfiniteQuery } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { NavLink } from 'react-router';
import { describeError } from '../api/client';
import { keys } from '../api/queries';
import type { Conversation } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
import { t, withStrings } from '../i18n/i18n';
import { FILTERS, type Filter, listConversations } from './inbox-api';
import { LabelSwatch } from './LabelSwatch';

// The bulk actions load with the first selection: most visits select nothing.
const BulkBar = lazy(() =>
  withStrings(['conversation'], () => import('./BulkBar')).then((module) => ({ default: module.BulkBar })),
);

const filterLabel = (filter: Filter): string =>
  ({
    open: t('inbox.filter.open'),
    mine: t('inbox.filter.mine'),
    unassigned: t('inbox.filter.unassigned'),
    bot: t('inbox.filter.bot'),
    human: t('inbox.filter.human'),
    snoozed: t('inbox.filter.snoozed'),
    closed: t('inbox.filter.closed'),
  })[filter];

const ownershipLabel = (ownership: Conversation['ownership']): string =>
  ({ bot: t('inbox.ownership.bot'), human: t('inbox.ownership.human'), paused: t('inbox.ownership.paused') })[
    ownership
  ];

/** `onWorkspaceEmpty` learns whether the workspace has any open conversation (the unfiltered list). */
export function ConversationList(props: { onWorkspaceEmpty?: (empty: boolean) => void }) {
  const [filter, setFilter] = useState<Filter>('open');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((id: string, on: boolean) => {
    setSelected((was) => {
      const next = new Set(was);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
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
    <nav className="conversation-list" aria-label={t('inbox.conversations')}>
      <div className="list-tools">
        <input
          type="search"
          placeholder={t('inbox.searchPlaceholder')}
          aria-label={t('inbox.search')}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <fieldset className="filters">
          <legend className="visually-hidden">{t('inbox.filterLegend')}</legend>
          {FILTERS.map((name) => (
            <button
              key={name}
              type="button"
              className="chip"
              aria-pressed={filter === name}
              onClick={() => {
                setFilter(name);
                setSelected(new Set());
              }}
            >
              {filterLabel(name)}
            </button>
          ))}
        </fieldset>
      </div>
      {selected.size > 0 && (
        <Suspense fallback={null}>
          <BulkBar
            selected={[...selected]}
            onDone={() => setSelected(new Set())}
            onClear={() => setSelected(new Set())}
          />
        </Suspense>
      )}
      <ErrorNote message={error} onRetry={() => void query.refetch()} />
      {!query.isPending && !error && items.length === 0 && (
        <Empty title={t('inbox.empty')}>{q ? t('inbox.emptySearch') : t('inbox.emptyHint')}</Empty>
      )}
      <ul className="conversations">
        {items.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            selected={selected.has(conversation.id)}
            onSelect={toggle}
          />
        ))}
        <li ref={sentinel} className="sentinel" aria-hidden="true" />
      </ul>
      {hasNextPage && (
        <button type="button" className="link-button load-more" onClick={loadMore}>
          {t('common.loadMore')}
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

function ConversationItem(props: {
  conversation: Conversation;
  selected: boolean;
  onSelect: (id: string, on: boolean) => void;
}) {
  const { conversation } = props;
  const unread = conversation.unreadCount ?? 0;
  const preview =
    conversation.lastMessage?.preview ??
    (conversation.lastMessage ? `[${conversation.lastMessage.type}]` : '');
  return (
    <li className="selectable">
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
              <span className="visually-hidden"> {t('inbox.unread', { count: unread })}</span>
            </span>
          )}
        </span>
        <span className="item-tags">
          <span className="tag channel-tag">
            {conversation.channelKind === 'sms' ? t('common.channel.sms') : t('common.channel.whatsapp')}
          </span>
          <span className={`tag ownership-${conversation.ownership}`}>
            {ownershipLabel(conversation.ownership)}
          </span>
          {conversation.status === 'closed' && <span className="tag">{t('inbox.closed')}</span>}
          {conversation.snoozedUntil && <span className="tag">{t('inbox.snoozed')}</span>}
          {(conversation.labels ?? []).map((label) => (
            <span key={label.id} className="tag label-tag">
              <LabelSwatch color={label.color} />
              {label.name}
            </span>
          ))}
        </span>
      </NavLink>
      {/* After the link: Tab reaches the conversation first, then its selection box. */}
      <input
        type="checkbox"
        className="select-conversation"
        aria-label={`Select ${contactName(conversation.contact)}`}
        checked={props.selected}
        onChange={(event) => props.onSelect(conversation.id, event.target.checked)}
      />
    </li>
  );
}
