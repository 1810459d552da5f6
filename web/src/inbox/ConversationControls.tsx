import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../api/client';
import { labelsQuery, membersQuery } from '../api/queries';
import type { Conversation, Label, Member, Ownership } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { LabelSwatch } from './LabelSwatch';

const PAUSES = [
  { label: '1 hour', hours: 1 },
  { label: '4 hours', hours: 4 },
  { label: '24 hours', hours: 24 },
];

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
        <legend className="control-label">Answered by</legend>
        <button
          type="button"
          aria-pressed={conversation.ownership === 'bot'}
          onClick={() => void setOwnership('bot')}
        >
          Bot
        </button>
        <button
          type="button"
          aria-pressed={conversation.ownership === 'human'}
          onClick={() => void setOwnership('human')}
        >
          Human
        </button>
        <label className="pause">
          <span className="visually-hidden">Pause the bot</span>
          <select
            aria-label="Pause the bot"
            value=""
            onChange={(event) => {
              if (event.target.value) void setOwnership('paused', Number(event.target.value));
            }}
          >
            <option value="">{conversation.ownership === 'paused' ? 'Paused' : 'Pause for…'}</option>
            {PAUSES.map((pause) => (
              <option key={pause.hours} value={pause.hours}>
                {pause.label}
              </option>
            ))}
          </select>
        </label>
        {conversation.ownership === 'paused' && conversation.pausedUntil && (
          <span className="muted">until {fullTime(conversation.pausedUntil)}</span>
        )}
      </fieldset>
      {conversation.assignee !== undefined && (
        <label className="control-group">
          <span className="control-label">Assignee</span>
          <select
            value={conversation.assignee?.userId ?? ''}
            onChange={(event) => void change('PUT', '/assignee', { userId: event.target.value || null })}
          >
            <option value="">Unassigned</option>
            {members.map((member) => (
              <option key={member.userId} value={member.userId}>
                {member.userId === props.userId ? 'Me' : (member.displayName ?? member.email)}
              </option>
            ))}
          </select>
        </label>
      )}
      {conversation.status !== undefined && (
        <button
          type="button"
          onClick={() =>
            void change('PUT', '/status', { status: conversation.status === 'closed' ? 'open' : 'closed' })
          }
        >
          {conversation.status === 'closed' ? 'Reopen' : 'Close conversation'}
        </button>
      )}
      {labels && labels.length > 0 && (
        <fieldset className="control-group">
          <legend className="control-label">Labels</legend>
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
