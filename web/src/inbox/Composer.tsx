import { useQuery } from '@tanstack/react-query';
import {
  type ClipboardEvent,
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
  useEffect,
  useRef,
  useState,
} from 'react';
import { smsSegments } from '../../../src/channels/twilio/sms-segments';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { CannedResponse, Conversation } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { Tabs } from '../common/Tabs';
import { currentLocale, t } from '../i18n/i18n';
import { TemplatePicker } from './TemplatePicker';

const WINDOW_MS = 24 * 60 * 60 * 1000;
const composeTabs = () =>
  [
    { value: 'reply', label: t('composer.reply') },
    { value: 'note', label: t('composer.note') },
  ] as const;

function windowOpenUntil(conversation: Conversation): Date | null {
  if (conversation.windowOpenUntil !== undefined) {
    return conversation.windowOpenUntil ? new Date(conversation.windowOpenUntil) : null;
  }
  return conversation.lastInboundAt
    ? new Date(new Date(conversation.lastInboundAt).getTime() + WINDOW_MS)
    : null;
}

/** What the file picker offers (Meta's types); the server reads each file's bytes and has the last word. */
const ACCEPT = 'image/jpeg,image/png,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt';

/** A file size in the dashboard's language: kB, or MB with one decimal. */
function fileSize(bytes: number): string {
  const mega = bytes >= 1048576;
  return new Intl.NumberFormat(currentLocale(), {
    style: 'unit',
    unit: mega ? 'megabyte' : 'kilobyte',
    maximumFractionDigits: mega ? 1 : 0,
  }).format(mega ? bytes / 1048576 : Math.ceil(bytes / 1024));
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
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const canAttach = mode === 'reply' && props.conversation.canAttach === true;
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

  const choose = (chosen: File | undefined | null) => {
    if (!chosen || !canAttach) return;
    setError(null);
    setFile(chosen);
  };
  const attached = canAttach ? file : null;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if ((!body && !attached) || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (attached) {
        // The file first, then the message naming it; the text box is its caption.
        const form = new FormData();
        form.append('file', attached, attached.name);
        const upload = await api<{ id: string; kind: 'image' | 'document' }>(
          'POST',
          `/conversations/${props.conversation.id}/attachments`,
          form,
        );
        await api(
          'POST',
          `/conversations/${props.conversation.id}/messages`,
          { type: upload.kind, attachmentId: upload.id, ...(body ? { caption: body } : {}) },
          { headers: { 'idempotency-key': crypto.randomUUID() } },
        );
        setFile(null);
        if (fileInput.current) fileInput.current.value = '';
        props.onSent();
      } else if (mode === 'note') {
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
    <Tabs
      className="composer"
      label={t('composer.label')}
      tabs={composeTabs()}
      value={mode}
      onChange={setMode}
    >
      {mode === 'reply' && !windowOpen ? (
        <TemplatePicker conversation={props.conversation} closedAt={until} onSent={props.onSent} />
      ) : (
        <form
          onSubmit={submit}
          className={mode === 'note' ? 'note-form' : undefined}
          onDragOver={(event: DragEvent) => {
            if (canAttach && event.dataTransfer.types.includes('Files')) event.preventDefault();
          }}
          onDrop={(event: DragEvent) => {
            if (!canAttach || event.dataTransfer.files.length === 0) return;
            event.preventDefault();
            choose(event.dataTransfer.files[0]);
          }}
        >
          {canned.length > 0 && (
            <ul className="canned" aria-label={t('composer.canned')}>
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
            aria-label={mode === 'note' ? t('composer.note') : t('composer.reply')}
            placeholder={
              mode === 'note'
                ? t('composer.notePlaceholder')
                : attached
                  ? t('composer.captionPlaceholder')
                  : t('composer.replyPlaceholder')
            }
            value={text}
            maxLength={attached ? 1024 : 4096}
            rows={3}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
            onPaste={(event: ClipboardEvent) => {
              if (!canAttach || event.clipboardData.files.length === 0) return;
              event.preventDefault();
              choose(event.clipboardData.files[0]);
            }}
          />
          {attached && (
            <p className="attachment-chip">
              <span>{t('composer.attachment', { name: attached.name, size: fileSize(attached.size) })}</span>
              <button
                type="button"
                className="link"
                disabled={busy}
                onClick={() => {
                  setFile(null);
                  if (fileInput.current) fileInput.current.value = '';
                }}
              >
                {t('composer.removeAttachment', { name: attached.name })}
              </button>
            </p>
          )}
          <ErrorNote message={error} />
          <div className="composer-actions">
            {mode === 'reply' && !sms && until && (
              <span className="muted">
                {t('composer.freeUntil', { until: fullTime(until.toISOString()) })}
              </span>
            )}
            {segments && (
              <span className="muted" aria-live="polite">
                {t('composer.smsSegments', {
                  count: segments.segments,
                  encoding: segments.encoding,
                  remaining: segments.remaining,
                })}
              </span>
            )}
            {canAttach && (
              <>
                <input
                  ref={fileInput}
                  type="file"
                  hidden
                  accept={ACCEPT}
                  aria-label={t('composer.attachHint')}
                  onChange={(event) => choose(event.target.files?.[0])}
                />
                <button
                  type="button"
                  title={t('composer.attachHint')}
                  disabled={busy}
                  onClick={() => fileInput.current?.click()}
                >
                  {t('composer.attach')}
                </button>
              </>
            )}
            <button
              type="submit"
              className="primary"
              aria-busy={busy || undefined}
              aria-disabled={busy || (text.trim() === '' && !attached) || undefined}
            >
              {busy && attached
                ? t('composer.uploading')
                : mode === 'note'
                  ? t('composer.addNote')
                  : t('composer.send')}
            </button>
          </div>
        </form>
      )}
    </Tabs>
  );
}
