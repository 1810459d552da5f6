import { useQuery } from '@tanstack/react-query';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { smsSegments } from '../../../src/channels/twilio/sms-segments';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { CannedResponse, Conversation, Template } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { Tabs } from '../common/Tabs';

const WINDOW_MS = 24 * 60 * 60 * 1000;
const COMPOSE_TABS = [
  { value: 'reply', label: 'Reply' },
  { value: 'note', label: 'Private note' },
] as const;

function windowOpenUntil(conversation: Conversation): Date | null {
  if (conversation.windowOpenUntil !== undefined) {
    return conversation.windowOpenUntil ? new Date(conversation.windowOpenUntil) : null;
  }
  return conversation.lastInboundAt
    ? new Date(new Date(conversation.lastInboundAt).getTime() + WINDOW_MS)
    : null;
}

/** Reply (free text inside WhatsApp's 24-hour window, templates outside it) or a private note. */
export function Composer(props: { conversation: Conversation; onSent: () => void; onNoted: () => void }) {
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [cannedIndex, setCannedIndex] = useState(0);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [cannedDismissed, setCannedDismissed] = useState(false);
  const until = windowOpenUntil(props.conversation);
  // SMS has no reply window: free text may always go out (opt-outs are enforced by the server).
  const sms = props.conversation.channelKind === 'sms';
  const windowOpen = sms || (until !== null && until.getTime() > Date.now());
  const segments = sms && mode === 'reply' ? smsSegments(text) : null;
  const cannedSearch = mode === 'reply' && text.startsWith('/') && !text.includes(' ') ? text.slice(1) : null;
  const cannedQuery = useQuery({
    queryKey: keys.cannedResponses(cannedSearch ?? ''),
    queryFn: async ({ signal }) => {
      const path = withQuery('/canned-responses', { q: cannedSearch });
      return (await api<{ items: CannedResponse[] }>('GET', path, undefined, { signal })).items.slice(0, 8);
    },
    enabled: cannedSearch !== null,
    retry: false,
  });
  const canned: CannedResponse[] =
    cannedSearch !== null && !cannedDismissed && !cannedQuery.isError ? (cannedQuery.data ?? []) : [];

  // A new search starts at its first suggestion, and shows them again after Escape.
  // biome-ignore lint/correctness/useExhaustiveDependencies: cannedSearch is the trigger on purpose
  useEffect(() => {
    setCannedIndex(0);
    setCannedDismissed(false);
  }, [cannedSearch]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === 'note') {
        await api('POST', `/conversations/${props.conversation.id}/notes`, { text: body });
        props.onNoted();
      } else {
        await api(
          'POST',
          `/conversations/${props.conversation.id}/messages`,
          { type: 'text', text: body },
          {
            headers: { 'idempotency-key': crypto.randomUUID() },
          },
        );
        props.onSent();
      }
      setText('');
      // The button that was pressed disables itself with the empty text: keep focus in the composer,
      // unless the operator has moved on meanwhile.
      const active = document.activeElement;
      if (!active || active === document.body || textarea.current?.form?.contains(active)) {
        textarea.current?.focus();
      }
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (canned.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : canned.length - 1;
        setCannedIndex((index) => (index + step) % canned.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        setText(canned[cannedIndex]?.text ?? text);
        return;
      }
      if (event.key === 'Escape') {
        setCannedDismissed(true);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    }
  };

  return (
    <Tabs className="composer" label="Compose" tabs={COMPOSE_TABS} value={mode} onChange={setMode}>
      {mode === 'reply' && !windowOpen ? (
        <TemplatePicker conversation={props.conversation} closedAt={until} onSent={props.onSent} />
      ) : (
        <form onSubmit={submit} className={mode === 'note' ? 'note-form' : undefined}>
          {canned.length > 0 && (
            <ul className="canned" aria-label="Canned responses">
              {canned.map((item, index) => (
                <li key={item.id}>
                  <button
                    type="button"
                    className={index === cannedIndex ? 'active' : undefined}
                    aria-current={index === cannedIndex ? 'true' : undefined}
                    onClick={() => setText(item.text)}
                  >
                    <strong>/{item.shortcut}</strong> {item.text}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <textarea
            ref={textarea}
            aria-label={mode === 'note' ? 'Private note' : 'Reply'}
            placeholder={
              mode === 'note' ? 'Only your team sees this note' : 'Type a reply — / for canned responses'
            }
            value={text}
            maxLength={4096}
            rows={3}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <ErrorNote message={error} />
          <div className="composer-actions">
            {mode === 'reply' && !sms && until && (
              <span className="muted">Free replies until {fullTime(until.toISOString())}</span>
            )}
            {segments && (
              <span className="muted" aria-live="polite">
                {segments.segments} SMS segment{segments.segments === 1 ? '' : 's'} · {segments.encoding} ·{' '}
                {segments.remaining} left
              </span>
            )}
            <button type="submit" className="primary" aria-disabled={busy || text.trim() === '' || undefined}>
              {mode === 'note' ? 'Add note' : 'Send'}
            </button>
          </div>
        </form>
      )}
    </Tabs>
  );
}

function TemplatePicker(props: { conversation: Conversation; closedAt: Date | null; onSent: () => void }) {
  const channelId = props.conversation.channelId;
  const templatesQuery = useQuery({
    queryKey: keys.templates(channelId),
    queryFn: async ({ signal }) => {
      const path = `/whatsapp/channels/${channelId}/templates`;
      const result = await api<{ items: Template[] }>('GET', path, undefined, { signal });
      return result.items.filter((item) => item.status.toUpperCase() === 'APPROVED');
    },
  });
  const templates = templatesQuery.data ?? null;
  const [sendError, setError] = useState<string | null>(null);
  const loadError = templatesQuery.error ? describeError(templatesQuery.error) : null;
  const [choice, setChoice] = useState('');

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const template = templates?.find((item) => `${item.name}|${item.language}` === choice);
    if (!template) return;
    try {
      await api(
        'POST',
        `/conversations/${props.conversation.id}/messages`,
        { type: 'template', template: { name: template.name, language: template.language } },
        { headers: { 'idempotency-key': crypto.randomUUID() } },
      );
      props.onSent();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <form className="template-picker" onSubmit={send}>
      <p className="window-closed" role="note">
        {props.closedAt
          ? `The customer last wrote more than 24 hours ago (the window closed ${fullTime(props.closedAt.toISOString())}).`
          : 'The customer has not written yet.'}{' '}
        WhatsApp only allows approved templates until they reply.
      </p>
      <ErrorNote message={sendError} />
      <ErrorNote message={loadError} onRetry={() => void templatesQuery.refetch()} />
      <label>
        Template
        <select value={choice} onChange={(event) => setChoice(event.target.value)}>
          <option value="">{templates === null ? 'Loading templates…' : 'Choose a template'}</option>
          {(templates ?? []).map((item) => (
            <option key={`${item.name}|${item.language}`} value={`${item.name}|${item.language}`}>
              {item.name} ({item.language})
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={!choice}>
        Send template
      </button>
    </form>
  );
}
