import { useQuery } from '@tanstack/react-query';
import { NavLink } from 'react-router';
import { api } from '../api/client';
import { keys } from '../api/queries';
import type { Page } from '../api/types';
import { t } from '../i18n/i18n';

/** "Quotes" in the main navigation, with how many wait for approval (kept current by live events). */
export function QuotesNavLink() {
  const waiting = useQuery({
    queryKey: [...keys.approvals, 'count'],
    queryFn: ({ signal }) =>
      api<Page<unknown>>('GET', '/quotes/approvals?details=false&limit=100', undefined, { signal }),
  });
  const count = waiting.data?.items.length ?? 0;
  const label = waiting.data?.nextCursor ? '100+' : String(count);
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
