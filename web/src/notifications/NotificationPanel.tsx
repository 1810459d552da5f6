import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { AppNotification, NotificationKind, NotificationPreference, Page } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { shortTime } from '../common/format';
import { t } from '../i18n/i18n';
import { subjectPath } from './subject-path';
import './notifications.css';

const kindLabel = (kind: NotificationKind): string =>
  ({
    handoff: t('notifications.kind.handoff'),
    assigned: t('notifications.kind.assigned'),
    lead_qualified: t('notifications.kind.leadQualified'),
    quote_awaiting_approval: t('notifications.kind.quoteAwaitingApproval'),
    missed_callback: t('notifications.kind.missedCallback'),
    mention: t('notifications.kind.mention'),
    lemlist_reply: t('notifications.kind.lemlistReply'),
    automation: t('notifications.kind.automation'),
  })[kind];

/** The bell's panel: the member's notifications (newest first), mark read, and their preferences. */
export function NotificationPanel(props: { onClose: () => void; onNavigate: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [showPreferences, setShowPreferences] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const list = useInfiniteQuery({
    queryKey: [...keys.notifications, 'list'],
    queryFn: ({ pageParam, signal }) =>
      api<Page<AppNotification> & { unread: number }>(
        'GET',
        `/notifications?limit=20${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
        undefined,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const refresh = () => void client.invalidateQueries({ queryKey: keys.notifications });

  const open = async (notification: AppNotification) => {
    setError(null);
    try {
      if (!notification.readAt) await api('POST', `/notifications/${notification.id}/read`);
      refresh();
      props.onNavigate();
      navigate(subjectPath(notification.subject));
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  const readAll = async () => {
    setError(null);
    try {
      await api('POST', '/notifications/read-all');
      refresh();
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      props.onClose();
    }
  };

  return (
    <div
      className="notification-panel"
      role="dialog"
      aria-labelledby="notifications-heading"
      onKeyDown={onKeyDown}
    >
      <div className="panel-head">
        <h2 id="notifications-heading" tabIndex={-1} ref={heading}>
          {t('bell.label')}
        </h2>
        <button type="button" className="link-button" onClick={() => void readAll()}>
          {t('notifications.markAllRead')}
        </button>
        <button type="button" className="link-button" onClick={() => setShowPreferences((was) => !was)}>
          {showPreferences ? t('notifications.back') : t('notifications.preferences')}
        </button>
        <button
          type="button"
          className="link-button"
          aria-label={t('notifications.close')}
          onClick={props.onClose}
        >
          ✕
        </button>
      </div>
      <ErrorNote message={error ?? (list.error ? describeError(list.error) : null)} />
      {showPreferences ? (
        <Preferences />
      ) : (
        <>
          {list.isSuccess && items.length === 0 && <p className="muted">{t('notifications.empty')}</p>}
          <ul className="notification-list">
            {items.map((item) => (
              <li key={item.id} className={item.readAt ? 'read' : 'unread'}>
                <button type="button" onClick={() => void open(item)}>
                  <span className="notification-title">{item.title}</span>
                  <time dateTime={item.createdAt} className="muted">
                    {shortTime(item.createdAt)}
                  </time>
                  {!item.readAt && <span className="visually-hidden"> {t('notifications.unreadMark')}</span>}
                </button>
              </li>
            ))}
          </ul>
          {list.hasNextPage && (
            <button type="button" className="link-button" onClick={() => void list.fetchNextPage()}>
              {t('common.loadMore')}
            </button>
          )}
        </>
      )}
    </div>
  );
}

function Preferences() {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [permission, setPermission] = useState(
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );
  const preferences = useQuery({
    queryKey: keys.notificationPreferences,
    queryFn: ({ signal }) =>
      api<{ items: NotificationPreference[] }>('GET', '/notifications/preferences', undefined, { signal }),
  });
  const save = async (preference: NotificationPreference) => {
    setError(null);
    // The box shows the choice at once; the server's answer (or a refetch after an error) settles it.
    client.setQueryData<{ items: NotificationPreference[] }>(keys.notificationPreferences, (was) =>
      was ? { items: was.items.map((item) => (item.kind === preference.kind ? preference : item)) } : was,
    );
    try {
      const saved = await api<{ items: NotificationPreference[] }>('PUT', '/notifications/preferences', {
        items: [preference],
      });
      client.setQueryData(keys.notificationPreferences, saved);
    } catch (caught) {
      setError(describeError(caught));
      void client.invalidateQueries({ queryKey: keys.notificationPreferences });
    }
  };
  // Asked on the member's click: browsers refuse (or quietly deny) a permission prompt without a gesture.
  const enableBrowser = async () => {
    if (typeof Notification === 'undefined') return;
    setPermission(await Notification.requestPermission());
  };
  return (
    <section aria-label={t('notifications.preferencesLabel')}>
      <p>
        {permission === 'granted'
          ? t('notifications.browser.on')
          : permission === 'denied'
            ? t('notifications.browser.denied')
            : permission === 'unsupported'
              ? t('notifications.browser.unsupported')
              : t('notifications.browser.off')}{' '}
        {permission === 'default' && (
          <button type="button" onClick={() => void enableBrowser()}>
            {t('notifications.browser.enable')}
          </button>
        )}
      </p>
      <ErrorNote message={error ?? (preferences.error ? describeError(preferences.error) : null)} />
      <table className="preferences">
        <thead>
          <tr>
            <th scope="col">{t('notifications.when')}</th>
            <th scope="col">{t('notifications.inApp')}</th>
            <th scope="col">{t('notifications.inBrowser')}</th>
          </tr>
        </thead>
        <tbody>
          {(preferences.data?.items ?? []).map((preference) => (
            <tr key={preference.kind}>
              <th scope="row">{kindLabel(preference.kind)}</th>
              <td>
                <input
                  type="checkbox"
                  aria-label={t('notifications.inAppFor', { kind: kindLabel(preference.kind) })}
                  checked={preference.inApp}
                  onChange={(event) => void save({ ...preference, inApp: event.target.checked })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={t('notifications.inBrowserFor', { kind: kindLabel(preference.kind) })}
                  checked={preference.browser}
                  onChange={(event) => void save({ ...preference, browser: event.target.checked })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
