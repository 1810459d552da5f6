import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import type { Role } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { contactName, fullTime } from '../common/format';
import { useView } from '../common/view';
import { Board } from './Board';
import { ContactPrivacy } from './ContactPrivacy';
import { type ConsentEntry, type ContactSummary, stageName, useStages } from './contact-api';
import './contacts.css';

interface ContactDetail extends ContactSummary {
  customFields: Record<string, string | number | boolean>;
  consent: Record<'whatsapp' | 'sms' | 'email_marketing', ConsentEntry | null>;
}
interface TimelineEntry {
  id: string;
  at: string;
  kind: string;
  detail: Record<string, unknown>;
}

/** /contacts and /contacts/:id: the list with search, or one contact with its timeline. */
export function Contacts(props: { role: Role }) {
  const { contactId } = useParams();
  // Importing and a contact's export/erasure are for owners and admins, as the API enforces.
  const manager = props.role !== 'agent';
  return contactId ? (
    <ContactPage id={contactId} canManagePrivacy={manager} />
  ) : (
    <ContactList canImport={manager} />
  );
}

function ContactList(props: { canImport: boolean }) {
  const [search, setSearch] = useSearchParams();
  const board = search.get('view') === 'board';
  const heading = useView(board ? 'Pipeline board' : 'Contacts');
  return (
    <section className={`settings-page card contacts${board ? ' board-page' : ''}`}>
      <h1 ref={heading} tabIndex={-1}>
        {board ? 'Pipeline board' : 'Contacts'}
      </h1>
      <div className="view-switch">
        <button type="button" aria-pressed={!board} onClick={() => setSearch({})}>
          List
        </button>
        <button type="button" aria-pressed={board} onClick={() => setSearch({ view: 'board' })}>
          Board
        </button>
        {props.canImport && (
          <Link className="button-link" to="/contacts/import">
            Import contacts
          </Link>
        )}
      </div>
      {board ? <Board /> : <ContactTable />}
    </section>
  );
}

function ContactTable() {
  const [q, setQ] = useState('');
  const [stageId, setStageId] = useState('');
  const stages = useStages();
  const list = useQuery({
    queryKey: ['contacts', q, stageId],
    queryFn: async ({ signal }) =>
      api<{ items: ContactSummary[]; nextCursor: string | null }>(
        'GET',
        withQuery('/contacts', { q, stageId, limit: 50 }),
        undefined,
        { signal },
      ),
  });
  return (
    <>
      <div className="contacts-filters">
        <label>
          Search
          <input type="search" value={q} onChange={(event) => setQ(event.target.value)} />
        </label>
        <label>
          Stage
          <select value={stageId} onChange={(event) => setStageId(event.target.value)}>
            <option value="">All stages</option>
            {stages.data?.map((stage) => (
              <option key={stage.id} value={stage.id}>
                {stage.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote
        message={list.error ? describeError(list.error) : null}
        onRetry={() => void list.refetch()}
      />
      {list.data && list.data.items.length === 0 && (
        <Empty title="No contacts match">
          Contacts appear when customers write to your channels; clear the search or the stage filter.
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phone</th>
              <th scope="col">Company</th>
              <th scope="col">Stage</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((contact) => (
              <tr key={contact.id}>
                <td>
                  <Link to={`/contacts/${contact.id}`}>{contactName(contact)}</Link>
                </td>
                <td>{contact.phoneE164}</td>
                <td>{contact.company ?? ''}</td>
                <td>{stageName(stages.data, contact.stageId)}</td>
                <td>{contact.source ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function describeEntry(entry: TimelineEntry): string {
  const d = entry.detail;
  switch (entry.kind) {
    case 'message':
      return `${d.direction === 'inbound' ? 'Customer' : String(d.author)}: ${String(d.text ?? `[${String(d.type)}]`)}`;
    case 'note':
      return `Note: ${String(d.text)}`;
    case 'callback':
      return `Call-back ${String(d.status)}`;
    case 'quote_created':
      return `Quote ${String(d.number)} created`;
    case 'quote_status':
      return `Quote ${String(d.number)}: ${String(d.from)} → ${String(d.to)}`;
    case 'stage_changed':
      return `Stage: ${String(d.fromStage ?? '—')} → ${String(d.toStage)}${d.event ? ` (${String(d.event)})` : ''}`;
    case 'owner_changed':
      return 'Owner changed';
    case 'consent':
      return `Consent on ${String(d.channel)}: ${d.state === 'opted_out' ? 'opted out' : 'opted in'} (${String(d.source)})`;
    case 'lead_received':
      return `Lead received from ${String(d.sourceName)}${d.externalId ? ` (${String(d.externalId)})` : ''}`;
    case 'imported':
      return `${d.created ? 'Created' : 'Updated'} by the import of ${String(d.fileName)}`;
    case 'crm_synced':
      return `Synced to ${String(d.crm)} (record ${String(d.recordId)})`;
    default:
      return entry.kind;
  }
}

function ContactPage(props: { id: string; canManagePrivacy: boolean }) {
  const client = useQueryClient();
  const stages = useStages();
  // Once an erasure starts, the contact is going away: its page stops asking for it.
  const [erasing, setErasing] = useState(false);
  const contact = useQuery({
    queryKey: ['contact-page', props.id],
    queryFn: ({ signal }) => api<ContactDetail>('GET', `/contacts/${props.id}`, undefined, { signal }),
    enabled: !erasing,
  });
  const timeline = useQuery({
    enabled: !erasing,
    queryKey: ['contact-timeline', props.id],
    queryFn: ({ signal }) =>
      api<{ items: TimelineEntry[] }>('GET', `/contacts/${props.id}/timeline?limit=100`, undefined, {
        signal,
      }),
  });
  const heading = useView(contact.data ? contactName(contact.data) : 'Contact');
  const move = useMutation({
    mutationFn: (stageId: string) => api('PATCH', `/contacts/${props.id}`, { stageId }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['contact-page', props.id] });
      void client.invalidateQueries({ queryKey: ['contact-timeline', props.id] });
      void client.invalidateQueries({ queryKey: ['contacts'] });
    },
  });
  const data = contact.data;
  return (
    <section className="settings-page card contact-page">
      <nav aria-label="Breadcrumb">
        <Link to="/contacts">All contacts</Link>
      </nav>
      <h1 ref={heading} tabIndex={-1}>
        {data ? contactName(data) : 'Contact'}
      </h1>
      <ErrorNote message={contact.error ? describeError(contact.error) : null} />
      {data && props.canManagePrivacy && (
        <ContactPrivacy contactId={props.id} phone={data.phoneE164} onErasing={() => setErasing(true)} />
      )}
      {data && !erasing && (
        <>
          <dl className="contact-facts">
            <dt>Phone</dt>
            <dd>{data.phoneE164}</dd>
            <dt>E-mail</dt>
            <dd>{data.email ?? '—'}</dd>
            <dt>Company</dt>
            <dd>{data.company ?? '—'}</dd>
            {Object.entries(data.customFields).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{String(value)}</dd>
              </div>
            ))}
          </dl>
          <label>
            Stage
            <select
              value={data.stageId ?? stages.data?.[0]?.id ?? ''}
              disabled={move.isPending}
              onChange={(event) => move.mutate(event.target.value)}
            >
              {stages.data?.map((stage) => (
                <option key={stage.id} value={stage.id}>
                  {stage.name}
                </option>
              ))}
            </select>
          </label>
          <ErrorNote message={move.error ? describeError(move.error) : null} />
          <h2>Consent</h2>
          <ul className="consent">
            {(['whatsapp', 'sms', 'email_marketing'] as const).map((channel) => {
              const entry = data.consent[channel];
              return (
                <li key={channel}>
                  {channel.replace('_', ' ')}:{' '}
                  {entry
                    ? `${entry.state === 'opted_out' ? 'Opted out' : 'Opted in'} (${entry.source}, ${fullTime(entry.recordedAt)})`
                    : 'not recorded'}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {!erasing && (
        <>
          <h2>Timeline</h2>
          <ErrorNote message={timeline.error ? describeError(timeline.error) : null} />
          {timeline.data && timeline.data.items.length === 0 && <Empty title="Nothing has happened yet" />}
          <ol className="timeline">
            {timeline.data?.items.map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.at}>{fullTime(entry.at)}</time> {describeEntry(entry)}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
