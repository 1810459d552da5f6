import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, api, describeError } from '../api/client';
import type { Contact, ContactSummary, Conversation } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { contactName, shortTime } from '../common/format';
import { Link } from '../common/router';
import { useLiveEvents } from '../live/use-live';

const FIELDS = [
  { key: 'firstName', label: 'First name', type: 'text' },
  { key: 'lastName', label: 'Last name', type: 'text' },
  { key: 'company', label: 'Company', type: 'text' },
  { key: 'email', label: 'Email', type: 'email' },
] as const;
type FieldKey = (typeof FIELDS)[number]['key'];
const FIELD_NAMES: Record<string, string> = {
  firstName: 'first name',
  lastName: 'last name',
  company: 'company',
  email: 'email',
};

/** The contact of the open conversation: profile (editable), qualification progress and history. */
export function ContactPanel(props: { contact: ContactSummary; conversationId: string }) {
  const contactId = props.contact.id;
  const [contact, setContact] = useState<Contact>(props.contact);
  const [editable, setEditable] = useState(true);
  const [history, setHistory] = useState<Conversation[]>([]);
  const [draft, setDraft] = useState<Record<FieldKey, string>>({
    firstName: '',
    lastName: '',
    company: '',
    email: '',
  });
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const load = useCallback(async () => {
    try {
      const loaded = await api<Contact>('GET', `/contacts/${contactId}`);
      setEditable(true);
      setContact(loaded);
      setDraft({
        firstName: loaded.firstName ?? '',
        lastName: loaded.lastName ?? '',
        company: loaded.company ?? '',
        email: loaded.email ?? '',
      });
      setError(null);
    } catch (caught) {
      // A server without the contacts API: show what the conversation told us, read-only.
      if (caught instanceof ApiError && caught.status === 404) setEditable(false);
      else setError(describeError(caught));
    }
    api<{ items: Conversation[] }>('GET', `/contacts/${contactId}/conversations`).then(
      (result) => setHistory(result.items),
      () => setHistory([]),
    );
  }, [contactId]);

  useEffect(() => {
    void load();
  }, [load]);

  useLiveEvents((event) => {
    if ((event.type === 'contact.updated' && event.contactId === contactId) || event.type === 'resync')
      void load();
  });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setSaved(false);
    const changes = Object.fromEntries(
      FIELDS.map(({ key }) => [key, draft[key].trim() === '' ? null : draft[key].trim()]),
    );
    try {
      setContact(await api<Contact>('PATCH', `/contacts/${contactId}`, changes));
      setSaved(true);
      setError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.details.length > 0) {
        setFieldErrors(
          Object.fromEntries(
            caught.details.map((detail) => [detail.path.replace(/^\/?(body\.)?/, ''), detail.message]),
          ),
        );
      }
      setError(describeError(caught));
    }
  };

  const required = contact.qualification?.required ?? [];
  const missing = contact.qualification?.missing ?? [];
  return (
    <aside className="contact-panel" aria-label="Contact">
      <h2>Contact</h2>
      <p>{contactName(contact)}</p>
      <p className="muted">{contact.phoneE164}</p>
      {required.length > 0 && (
        <div className="qualification">
          <p>
            Qualification: {required.length - missing.length} of {required.length}
          </p>
          <progress max={required.length} value={required.length - missing.length} />
          {missing.length > 0 && (
            <p className="muted">Missing: {missing.map((field) => FIELD_NAMES[field] ?? field).join(', ')}</p>
          )}
        </div>
      )}
      {editable && (
        <form onSubmit={save} className="profile-form">
          {FIELDS.map((field) => (
            <label key={field.key}>
              {field.label}
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
              Saved
            </p>
          )}
          <button type="submit">Save profile</button>
        </form>
      )}
      {history.length > 0 && (
        <>
          <h3>Conversations</h3>
          <ul className="history">
            {history.map((item) => (
              <li key={item.id}>
                <Link to={`/inbox/${item.id}`} current={item.id === props.conversationId}>
                  {shortTime(item.lastMessageAt ?? item.createdAt)} · {item.status ?? item.ownership}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
