import { useQuery, useQueryClient } from '@tanstack/react-query';
import { NavLink } from 'react-router';
import { api } from '../api/client';
import { keys } from '../api/queries';
import type { Page } from '../api/types';
import { t } from '../i18n/i18n';
import { useLiveEvents } from '../live/use-live';

/** The badge counts to this, then says "100+". */
const BADGE_CAP = 100;

/** "Quotes" in the main navigation, with how many wait for approval (kept current by live events). */
export function QuotesNavLink() {
  const client = useQueryClient();
  const queryKey = [...keys.approvals, 'count'];
  // The first figure comes with the live channel's greeting (no request of its own on the inbox's first
  // load). From then on it is an ordinary query: what makes the queue stale (a quote's live event, an
  // approver's own action) refetches it too.
  const waiting = useQuery({
    queryKey,
    queryFn: async ({ signal }) => {
      const page = await api<Page<unknown>>(
        'GET',
        `/quotes/approvals?details=false&limit=${BADGE_CAP}`,
        undefined,
        {
          signal,
        },
      );
      return page.nextCursor ? BADGE_CAP + 1 : page.items.length;
    },
    enabled: (query) => query.state.data !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
  useLiveEvents((event) => {
    if (event.type === 'hello' && typeof event.approvalsWaiting === 'number') {
      client.setQueryData(queryKey, event.approvalsWaiting);
    }
  });
  const count = waiting.data ?? 0;
  const label = count > BADGE_CAP ? `${BADGE_CAP}+` : String(count);
  return (
    <NavLink to="/quotes/approvals">
      {t('shell.quotes')}{' '}
      {count > 0 && (
        <span className="badge nav-badge">
          {label}
          <span className="visually-hidden"> {t('shell.quotesWaiting')}</span>
        </span>
      )}
    </NavLink>
  );
}
