import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../api/client';
import { labelsQuery, membersQuery } from '../api/queries';
import type { Conversation, Label, Member, Ownership } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { LabelSwatch } from './LabelSwatch';

const PAUSE_HOURS = [1, 4, 24];

const snoozes = () =>
  [
    { label: t('controls.hours', { count: 1 }), value: '1h' },
    { label: t('controls.hours', { count: 4 }), value: '4h' },
    { label: t('snooze.tomorrow'), value: 'tomorrow' },
    { label: t('snooze.nextWeek'), value: 'week' },
  ] as const;

/** When a snooze chosen now ends (local time for "tomorrow"); it also ends when the customer writes. */
export function snoozeUntil(choice: string): Date | null {
  const now = new Date();
  switch (choice) {
    case '1h':
      return new Date(now.getTime() + 3_600_000);
    case '4h':
      return new Date(now.getTime() + 4 * 3_600_000);
    case 'tomorrow': {
      const at = new Date(now);
      at.setDate(at.getDate() + 1);
      at.setHours(9, 0, 0, 0);
      return at;
    }
    case 'week':
      return new Date(now.getTime() + 7 * 24 * 3_600_000);
    default:
      return null;
  }
}

/** Takeover (bot / human / pause), assignment, open/closed and labels of one conversation. */
export function ConversationControls(props: {
  conversation: Conversation;
  userId: string;
  onChanged: (conversation: Conversation) => void;
}) {
  const { conversation } = props;
  const members: Member[] = useQuery(membersQuery).data ?? [];
  const labels: Label[] | null = useQuery(labelsQuery).data ?? null;
  const [error, setError] = useState<string | null>(null);

  const change = async (method: 'PUT', path: string, body: unknown) => {
    setError(null);
    try {
      const updated = await api<Conversation>(method, `/conversations/${conversation.id}${path}`, body);
      props.onChanged({ ...conversation, ...updated });
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const setOwnership = (ownership: Ownership, hours?: number) =>
    change(
      'PUT',
      '/ownership',
      ownership === 'paused'
        ? { ownership, until: new Date(Date.now() + (hours ?? 1) * 3_600_000).toISOString() }
        : { ownership },
    );

  const currentLabels = conversation.labels ?? [];
  const toggleLabel = (label: Label) => {
    const has = currentLabels.some((item) => item.id === label.id);
    const labelIds = has
      ? currentLabels.filter((item) => item.id !== label.id).map((item) => item.id)
      : [...currentLabels.map((item) => item.id), label.id];
    void change('PUT', '/labels', { labelIds });
  };

  return (
    <div className="controls">
      <fieldset className="control-group">
        <legend className="control-label">{t('controls.answeredBy')}</legend>
        <button
          type="button"
          aria-pressed={conversation.ownership === 'bot'}
          onClick={() => void setOwnership('bot')}
        >
          {t('inbox.ownership.bot')}
        </button>
        <button
          type="button"
          aria-pressed={conversation.ownership === 'human'}
          onClick={() => void setOwnership('human')}
        >
          {t('inbox.ownership.human')}
        </button>
        <label className="pause">
          <span className="visually-hidden">{t('controls.pause')}</span>
          <select
            aria-label={t('controls.pause')}
            value=""
            onChange={(event) => {
              if (event.target.value) void setOwnership('paused', Number(event.target.value));
            }}
          >
            <option value="">
              {conversation.ownership === 'paused' ? t('inbox.ownership.paused') : t('controls.pauseFor')}
            </option>
            {PAUSE_HOURS.map((hours) => (
              <option key={hours} value={hours}>
                {t('controls.hours', { count: hours })}
              </option>
            ))}
          </select>
        </label>
        {conversation.ownership === 'paused' && conversation.pausedUntil && (
          <span className="muted">{t('controls.until', { until: fullTime(conversation.pausedUntil) })}</span>
        )}
      </fieldset>
      {conversation.assignee !== undefined && (
        <label className="control-group">
          <span className="control-label">{t('controls.assignee')}</span>
          <select
            value={conversation.assignee?.userId ?? ''}
            onChange={(event) => void change('PUT', '/assignee', { userId: event.target.value || null })}
          >
            <option value="">{t('controls.unassigned')}</option>
            {members.map((member) => (
              <option key={member.userId} value={member.userId}>
                {member.userId === props.userId ? t('controls.me') : (member.displayName ?? member.email)}
              </option>
            ))}
          </select>
        </label>
      )}
      {conversation.status !== undefined && (
        <button
          type="button"
          data-shortcut="close"
          onClick={() =>
            void change('PUT', '/status', { status: conversation.status === 'closed' ? 'open' : 'closed' })
          }
        >
          {conversation.status === 'closed' ? t('controls.reopen') : t('controls.close')}
        </button>
      )}
      {conversation.snoozedUntil !== undefined && conversation.status !== 'closed' && (
        <div className="control-group">
          {conversation.snoozedUntil ? (
            <>
              <span className="muted">
                {t('snooze.until', { until: fullTime(conversation.snoozedUntil) })}
              </span>
              <button type="button" onClick={() => void change('PUT', '/snooze', { until: null })}>
                {t('snooze.wake')}
              </button>
            </>
          ) : (
            <select
              aria-label={t('snooze.label')}
              value=""
              onChange={(event) => {
                const until = snoozeUntil(event.target.value);
                if (until) void change('PUT', '/snooze', { until: until.toISOString() });
              }}
            >
              <option value="">{t('snooze.choose')}</option>
              {snoozes().map((snooze) => (
                <option key={snooze.value} value={snooze.value}>
                  {snooze.label}
                </option>
              ))}
            </select>
          )}
        </div>
      )}
      {labels && labels.length > 0 && (
        <fieldset className="control-group">
          <legend className="control-label">{t('controls.labels')}</legend>
          {labels.map((label) => (
            <button
              key={label.id}
              type="button"
              className="chip"
              aria-pressed={currentLabels.some((item) => item.id === label.id)}
              onClick={() => toggleLabel(label)}
            >
              <LabelSwatch color={label.color} />
              {label.name}
            </button>
          ))}
        </fieldset>
      )}
      <ErrorNote message={error} />
    </div>
  );
}
