import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import { keys } from '../api/queries';
import { t, withStrings } from '../i18n/i18n';
import { useLiveEvents } from '../live/use-live';

// The list, the preferences and browser notifications load when first needed: the header carries only
// the button and its count (the inbox's first load stays small).
const NotificationPanel = lazy(() =>
  withStrings(['notifications'], () => import('./NotificationPanel')).then((module) => ({
    default: module.NotificationPanel,
  })),
);

/** The header's bell: unread count kept current by live events; the panel opens below it. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const navigate = useNavigate();
  const client = useQueryClient();
  // The first figure comes with the live channel's greeting (no request of its own on the inbox's first
  // load); a notification or a read mark refetches it.
  const count = useQuery({
    queryKey: keys.notificationCount,
    queryFn: ({ signal }) =>
      api<{ unread: number }>('GET', '/notifications/unread-count', undefined, { signal }),
    enabled: false,
  });
  useLiveEvents((event) => {
    if (event.type === 'hello' && typeof event.unreadNotifications === 'number') {
      client.setQueryData(keys.notificationCount, { unread: event.unreadNotifications });
      return;
    }
    if (event.type !== 'notification.created' && event.type !== 'notifications.read') return;
    void count.refetch();
    if (event.type !== 'notification.created') return;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    void import('./browser-notify').then((module) =>
      module.showBrowserNotification(event.notificationId, navigate),
    );
  });
  const unread = count.data?.unread ?? 0;
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return (
    <div className="bell-wrap">
      <button
        ref={button}
        type="button"
        className="bell"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen((was) => !was)}
      >
        <span aria-hidden="true">🔔</span>
        <span className="visually-hidden">{t('bell.label')}</span>
        {unread > 0 && (
          <span className="badge nav-badge" data-testid="bell-count">
            {unread > 99 ? '99+' : unread}
            <span className="visually-hidden"> {t('bell.unread')}</span>
          </span>
        )}
      </button>
      {open && (
        <Suspense fallback={null}>
          <NotificationPanel onClose={close} onNavigate={() => setOpen(false)} />
        </Suspense>
      )}
    </div>
  );
}
