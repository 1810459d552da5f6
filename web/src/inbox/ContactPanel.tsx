import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { Contact, ContactSummary, Conversation } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
import { currentLocale, t } from '../i18n/i18n';
import { ContactCallbacks } from './ContactCallbacks';
import './conversation.css';

const FIELDS = [
  { key: 'firstName', type: 'text' },
  { key: 'lastName', type: 'text' },
  { key: 'company', type: 'text' },
  { key: 'email', type: 'email' },
] as const;
type FieldKey = (typeof FIELDS)[number]['key'];
const fieldLabel = (key: FieldKey): string =>
  ({
    firstName: t('contact.field.firstName'),
    lastName: t('contact.field.lastName'),
    company: t('contact.field.company'),
    email: t('contact.field.email'),
  })[key];
/** A qualification field the bot still misses, as a word in a sentence. */
const missingName = (field: string): string =>
  (
    ({
      firstName: t('contact.missing.firstName'),
      lastName: t('contact.missing.lastName'),
      company: t('contact.missing.company'),
      email: t('contact.missing.email'),
    }) as Record<string, string>
  )[field] ?? field;

function draftOf(contact: ContactSummary): Record<FieldKey, string> {
  return {
    firstName: contact.firstName ?? '',
    lastName: contact.lastName ?? '',
    company: contact.company ?? '',
    email: contact.email ?? '',
  };
}

/** The contact of the open conversation: profile (editable), qualification progress and history. */
export function ContactPanel(props: {
  contact: ContactSummary;
  conversationId: string;
  /** Opened as a drawer (below 1100 px; wider screens always show it). */
  open: boolean;
  onClose: () => void;
  /** More about the conversation below the contact (its quotes). */
  children?: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (props.open) heading.current?.focus();
  }, [props.open]);
  const contactId = props.contact.id;
  const client = useQueryClient();
  const [draft, setDraft] = useState<Record<FieldKey, string>>(() => draftOf(props.contact));
  const [saveError, setSaveError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const contactQuery = useQuery({
    queryKey: keys.contact(contactId),
    queryFn: ({ signal }) => api<Contact>('GET', `/contacts/${contactId}`, undefined, { signal }),
  });
  const historyQuery = useQuery({
    queryKey: keys.contactConversations(contactId),
    queryFn: async ({ signal }) => {
      const path = `/contacts/${contactId}/conversations`;
      return (await api<{ items: Conversation[] }>('GET', path, undefined, { signal })).items;
    },
  });
  // A server without the contacts API (404): show what the conversation told us, read-only.
  const editable = !(contactQuery.error instanceof ApiError && contactQuery.error.status === 404);
  const contact: Contact = contactQuery.data ?? props.contact;
  const history = historyQuery.data ?? [];
  const loadError = editable && contactQuery.error ? describeError(contactQuery.error) : null;
  const error = saveError ?? loadError;

  // The form follows the stored profile whenever it is (re)loaded, as a live event or a save refetches it.
  const loaded = contactQuery.data;
  useEffect(() => {
    if (loaded) setDraft(draftOf(loaded));
  }, [loaded]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setSaved(false);
    const changes = Object.fromEntries(
      FIELDS.map(({ key }) => [key, draft[key].trim() === '' ? null : draft[key].trim()]),
    );
    try {
      client.setQueryData(
        keys.contact(contactId),
        await api<Contact>('PATCH', `/contacts/${contactId}`, changes),
      );
      setSaved(true);
      setSaveError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.details.length > 0) {
        setFieldErrors(
          Object.fromEntries(
            caught.details.map((detail) => [detail.path.replace(/^\/?(body\.)?/, ''), detail.message]),
          ),
        );
      }
      setSaveError(describeError(caught));
    }
  };

  const required = contact.qualification?.required ?? [];
  const missing = contact.qualification?.missing ?? [];
  return (
    <aside className="contact-panel" id="contact-panel" aria-label={t('thread.contact')}>
      <div className="contact-panel-header">
        <h2 tabIndex={-1} ref={heading}>
          {t('thread.contact')}
        </h2>
        {props.open && (
          <button type="button" className="contact-close" onClick={props.onClose}>
            {t('common.close')}
          </button>
        )}
      </div>
      <p>{contactName(contact)}</p>
      <p className="muted">{contact.phoneE164}</p>
      {required.length > 0 && (
        <div className="qualification">
          <p>
            {t('contact.qualification', { done: required.length - missing.length, total: required.length })}
          </p>
          <progress max={required.length} value={required.length - missing.length} />
          {missing.length > 0 && (
            <p className="muted">
              {t('contact.missing', {
                fields: new Intl.ListFormat(currentLocale(), { type: 'unit' }).format(
                  missing.map(missingName),
                ),
              })}
            </p>
          )}
        </div>
      )}
      {editable && (
        <form onSubmit={save} className="profile-form">
          {FIELDS.map((field) => (
            <label key={field.key}>
              {fieldLabel(field.key)}
              <input
                type={field.type}
                value={draft[field.key]}
                aria-invalid={fieldErrors[field.key] ? true : undefined}
                onChange={(event) => setDraft({ ...draft, [field.key]: event.target.value })}
              />
              {fieldErrors[field.key] && <span className="field-error">{fieldErrors[field.key]}</span>}
            </label>
          ))}
          <ErrorNote message={error} />
          {saved && (
            <p className="saved" role="status">
              {t('common.saved')}
            </p>
          )}
          <button type="submit">{t('contact.save')}</button>
        </form>
      )}
      <ContactCallbacks contactId={contactId} />
      {history.length > 0 && (
        <>
          <h3>{t('inbox.conversations')}</h3>
          <ul className="history">
            {history.map((item) => (
              <li key={item.id}>
                <Link
                  to={`/inbox/${item.id}`}
                  aria-current={item.id === props.conversationId ? 'page' : undefined}
                >
                  {shortTime(item.lastMessageAt ?? item.createdAt)} ·{' '}
                  {item.status === 'closed'
                    ? t('inbox.closed')
                    : item.status === 'open'
                      ? t('contact.open')
                      : (item.status ?? item.ownership)}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
      {props.children}
    </aside>
  );
}
