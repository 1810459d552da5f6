import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../api/client';
import { keys, labelsQuery, membersQuery } from '../api/queries';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { snoozeUntil } from './ConversationControls';
import './inbox-extras.css';

type Action =
  | { type: 'assign'; userId: string | null }
  | { type: 'label'; labelIds: string[] }
  | { type: 'close' }
  | { type: 'snooze'; until: string };

/** Actions on the selected conversations, all at once (loaded when the first one is selected). */
export function BulkBar(props: { selected: string[]; onDone: () => void; onClear: () => void }) {
  const client = useQueryClient();
  const members = useQuery(membersQuery).data ?? [];
  const labels = useQuery(labelsQuery).data ?? [];
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const count = props.selected.length;

  const run = async (action: Action, done: string) => {
    setError(null);
    setBusy(true);
    try {
      const result = await api<{ changed: number }>('POST', '/conversations/bulk-actions', {
        conversationIds: props.selected,
        action,
      });
      setStatus(t('bulk.done', { done, changed: result.changed, count }));
      await client.invalidateQueries({ queryKey: keys.conversationLists });
      props.onDone();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="bulk-bar" role="toolbar" aria-label={t('bulk.toolbar')}>
      <span>{t('bulk.selected', { count })}</span>
      <select
        aria-label={t('bulk.assign')}
        value=""
        disabled={busy}
        onChange={(event) => {
          const value = event.target.value;
          if (value) void run({ type: 'assign', userId: value === '-' ? null : value }, t('bulk.assigned'));
        }}
      >
        <option value="">{t('bulk.assignTo')}</option>
        <option value="-">{t('bulk.nobody')}</option>
        {members.map((member) => (
          <option key={member.userId} value={member.userId}>
            {member.displayName ?? member.email}
          </option>
        ))}
      </select>
      {labels.length > 0 && (
        <select
          aria-label={t('bulk.label')}
          value=""
          disabled={busy}
          onChange={(event) => {
            if (event.target.value)
              void run({ type: 'label', labelIds: [event.target.value] }, t('bulk.labelled'));
          }}
        >
          <option value="">{t('bulk.addLabel')}</option>
          {labels.map((label) => (
            <option key={label.id} value={label.id}>
              {label.name}
            </option>
          ))}
        </select>
      )}
      <select
        aria-label={t('bulk.snooze')}
        value=""
        disabled={busy}
        onChange={(event) => {
          const until = snoozeUntil(event.target.value);
          if (until) void run({ type: 'snooze', until: until.toISOString() }, t('bulk.snoozed'));
        }}
      >
        <option value="">{t('snooze.choose')}</option>
        <option value="1h">{t('controls.hours', { count: 1 })}</option>
        <option value="tomorrow">{t('snooze.tomorrow')}</option>
        <option value="week">{t('snooze.nextWeek')}</option>
      </select>
      <button type="button" disabled={busy} onClick={() => void run({ type: 'close' }, t('bulk.closed'))}>
        {t('bulk.close')}
      </button>
      <button type="button" className="link-button" onClick={props.onClear}>
        {t('bulk.clear')}
      </button>

      <span role="status" className="visually-hidden">
        {status}
      </span>
      <ErrorNote message={error} />
    </div>
  );
}
