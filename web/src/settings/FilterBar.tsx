import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { api, type Query, withQuery } from '../api/client';
import type { Page } from '../api/types';
import { t } from '../i18n/i18n';

/** Filters of a log page: every one a string, `''` for "any"; the day range is common to all. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * The filters being typed (`draft`) and those applied (`filters`): the list follows only what Apply (or
 * Clear) sets, so a half-typed filter fetches nothing.
 */
export function useFilters<F extends DayRange>(initial: F, none: F) {
  const [filters, setFilters] = useState<F>(initial);
  const [draft, setDraft] = useState<F>(initial);
  const set = (key: keyof F & string) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: event.target.value });
  const clear = () => {
    setDraft(none);
    setFilters(none);
  };
  return { filters, draft, set, apply: setFilters, clear, filtered: Object.values(filters).some(Boolean) };
}

/**
 * The filter form of a log page: the page's own fields (`children`), then From and To days, Apply, Clear
 * while a filter is on, and whatever follows (`after`, e.g. a download of what is shown).
 */
export function FilterBar<F extends DayRange>(props: {
  label: string;
  draft: F;
  set: (key: keyof DayRange) => (event: { target: { value: string } }) => void;
  filtered: boolean;
  onApply: () => void;
  onClear: () => void;
  children: ReactNode;
  after?: ReactNode;
}) {
  const { draft, set } = props;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply();
  };
  return (
    <form className="audit-filters" aria-label={props.label} onSubmit={submit}>
      {props.children}
      <label>
        {t('audit.from')}
        <input type="date" value={draft.from} onChange={set('from')} />
      </label>
      <label>
        {t('audit.to')}
        <input type="date" value={draft.to} min={draft.from || undefined} onChange={set('to')} />
      </label>
      <button type="submit" className="primary">
        {t('audit.apply')}
      </button>
      {props.filtered && (
        <button type="button" onClick={props.onClear}>
          {t('audit.clear')}
        </button>
      )}
      {props.after}
    </form>
  );
}

/**
 * A keyset-paged list at `path` (`{ items, nextCursor }`), 50 a page, fetched again under `key` whenever
 * the query changes; the rows shown stay while the next filter's answer loads, instead of flashing empty.
 */
export function usePagedList<T>(key: readonly unknown[], path: string, query: Query) {
  const list = useInfiniteQuery({
    queryKey: key,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<T>>('GET', withQuery(path, { ...query, limit: 50, cursor: pageParam }), undefined, { signal }),
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
  return { list, items: list.data?.pages.flatMap((page) => page.items) ?? [] };
}

/** The "Load more" button under a paged list, while there is a next page. */
export function LoadMore(props: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };
}) {
  const { list } = props;
  if (!list.hasNextPage) return null;
  return (
    <button
      type="button"
      aria-disabled={list.isFetchingNextPage || undefined}
      onClick={() => void list.fetchNextPage()}
    >
      {t('common.loadMore')}
    </button>
  );
}
