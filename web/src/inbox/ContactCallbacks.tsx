import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { keys } from '../api/queries';
import type { Callback, Page } from '../api/types';
import { callbackStatusLabel, callDuration } from '../common/callback-status';
import { shortTime } from '../common/format';
import { t } from '../i18n/i18n';

/**
 * The call-backs this contact asked for through a website widget, newest first. A live call-back event
 * refetches them, so a call's progress (calling, connected, completed and its duration) shows as it happens.
 */
export function ContactCallbacks(props: { contactId: string }) {
  const query = useQuery({
    queryKey: keys.contactCallbacks(props.contactId),
    queryFn: async ({ signal }) => {
      const path = `/callbacks?contactId=${encodeURIComponent(props.contactId)}&limit=5`;
      return (await api<Page<Callback>>('GET', path, undefined, { signal })).items;
    },
  });
  const items = query.data ?? [];
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="contact-callbacks">
      <h3 id="contact-callbacks">{t('callback.title')}</h3>
      <ul className="history" aria-live="polite">
        {items.map((callback) => (
          <li key={callback.id} data-callback-status={callback.status}>
            {shortTime(callback.createdAt)} · {callbackStatusLabel(callback.status)}
            {callback.status === 'scheduled' &&
              callback.scheduledFor &&
              ` ${t('callback.for', { when: shortTime(callback.scheduledFor) })}`}
            {callback.durationSeconds !== null && ` · ${callDuration(callback.durationSeconds)}`}
          </li>
        ))}
      </ul>
    </section>
  );
}
