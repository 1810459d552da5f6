import type { NavigateFunction } from 'react-router';
import { api } from '../api/client';
import type { AppNotification } from '../api/types';
import { subjectPath } from './subject-path';

/**
 * Shows a notification the member's browser allowed (permission asked on a click in the panel) and the
 * member wants in the browser for its kind. Clicking it focuses the tab, opens what it is about and
 * marks it read. The title comes from the REST API: live events carry ids only.
 */
export async function showBrowserNotification(id: string, navigate: NavigateFunction): Promise<void> {
  const notification = await api<AppNotification>('GET', `/notifications/${id}`);
  if (!notification.browser || Notification.permission !== 'granted') return;
  const shown = new Notification(notification.title, { tag: notification.id });
  shown.onclick = () => {
    window.focus();
    navigate(subjectPath(notification.subject));
    void api('POST', `/notifications/${notification.id}/read`);
    shown.close();
  };
}
