import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import type { Role } from '../api/types';
import { Empty, ErrorNote, QueryError } from '../common/feedback';
import { contactName, fullTime } from '../common/format';
import { useView } from '../common/view';
import { Board } from './Board';
import { ContactPrivacy } from './ContactPrivacy';
import { type ConsentEntry, type ContactSummary, stageName, useStages } from './contact-api';
import './contacts.css';
import { t } from '../i18n/i18n';

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
  const heading = useView(board ? t('contacts.board') : t('shell.contacts'));
  return (
    <section className={`settings-page card contacts${board ? ' board-page' : ''}`}>
      <h1 ref={heading} tabIndex={-1}>
        {board ? t('contacts.board') : t('shell.contacts')}
      </h1>
      <div className="view-switch">
        <button type="button" aria-pressed={!board} onClick={() => setSearch({})}>
          {t('contacts.list')}
        </button>
        <button type="button" aria-pressed={board} onClick={() => setSearch({ view: 'board' })}>
          {t('contacts.boardButton')}
        </button>
        {props.canImport && (
          <Link className="button-link" to="/contacts/import">
            {t('contacts.import')}
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
          {t('contacts.search')}
          <input type="search" value={q} onChange={(event) => setQ(event.target.value)} />
        </label>
        <label>
          {t('contacts.stage')}
          <select value={stageId} onChange={(event) => setStageId(event.target.value)}>
            <option value="">{t('contacts.allStages')}</option>
            {stages.data?.map((stage) => (
              <option key={stage.id} value={stage.id}>
                {stage.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryError query={list} />
      {list.data && list.data.items.length === 0 && (
        <Empty title={t('contacts.empty')}>{t('contacts.emptyHint')}</Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('contacts.name')}</th>
              <th scope="col">{t('contacts.phone')}</th>
              <th scope="col">{t('contact.field.company')}</th>
              <th scope="col">{t('contacts.stage')}</th>
              <th scope="col">{t('contacts.source')}</th>
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

/** A detail as text for a message (`none` when absent, for the message's `select`). */
const s = (value: unknown): string =>
  value === null || value === undefined || value === '' ? 'none' : String(value);

function describeEntry(entry: TimelineEntry): string {
  const d = entry.detail;
  switch (entry.kind) {
    case 'message':
      return t('timeline.message', {
        who: d.direction === 'inbound' ? t('timeline.customer') : String(d.author),
        text: String(d.text ?? `[${String(d.type)}]`),
      });
    case 'note':
      return t('timeline.note', { text: String(d.text) });
    case 'callback':
      return t('timeline.callback', { status: String(d.status) });
    case 'quote_created':
      return t('timeline.quoteCreated', { number: String(d.number) });
    case 'quote_status':
      return t('timeline.quoteStatus', { number: String(d.number), from: String(d.from), to: String(d.to) });
    case 'stage_changed':
      return t('timeline.stageChanged', {
        from: String(d.fromStage ?? '—'),
        to: String(d.toStage),
        event: s(d.event),
      });
    case 'owner_changed':
      return t('timeline.ownerChanged');
    case 'consent':
      return t('timeline.consent', {
        channel: String(d.channel),
        state: d.state === 'opted_out' ? 'out' : 'in',
        source: String(d.source),
      });
    case 'lead_received':
      return t('timeline.leadReceived', { source: String(d.sourceName), externalId: s(d.externalId) });
    case 'imported':
      return t('timeline.imported', { created: d.created ? 'yes' : 'no', file: String(d.fileName) });
    case 'crm_synced':
      return t('timeline.crmSynced', { crm: String(d.crm), record: String(d.recordId) });
    case 'email_event':
      return d.campaignName
        ? t('timeline.emailEventCampaign', {
            provider: d.provider === 'lemlist' ? 'Lemlist' : 'Postmark',
            type: String(d.type),
            campaign: String(d.campaignName),
          })
        : t('timeline.emailEvent', {
            provider: d.provider === 'lemlist' ? 'Lemlist' : 'Postmark',
            type: String(d.type),
          });
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
  const heading = useView(contact.data ? contactName(contact.data) : t('thread.contact'));
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
      <nav aria-label={t('contacts.breadcrumb')}>
        <Link to="/contacts">{t('contacts.all')}</Link>
      </nav>
      <h1 ref={heading} tabIndex={-1}>
        {data ? contactName(data) : t('thread.contact')}
      </h1>
      <ErrorNote message={contact.error ? describeError(contact.error) : null} />
      {data && props.canManagePrivacy && (
        <ContactPrivacy contactId={props.id} phone={data.phoneE164} onErasing={() => setErasing(true)} />
      )}
      {data && !erasing && (
        <>
          <dl className="contact-facts">
            <dt>{t('contacts.phone')}</dt>
            <dd>{data.phoneE164}</dd>
            <dt>{t('contact.field.email')}</dt>
            <dd>{data.email ?? '—'}</dd>
            <dt>{t('contact.field.company')}</dt>
            <dd>{data.company ?? '—'}</dd>
            {Object.entries(data.customFields).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{String(value)}</dd>
              </div>
            ))}
          </dl>
          <label>
            {t('contacts.stage')}
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
          <h2>{t('contacts.consent')}</h2>
          <ul className="consent">
            {(['whatsapp', 'sms', 'email_marketing'] as const).map((channel) => {
              const entry = data.consent[channel];
              return (
                <li key={channel}>
                  {t('contacts.consentLine', {
                    channel,
                    state: entry ? (entry.state === 'opted_out' ? 'out' : 'in') : 'none',
                    source: entry?.source ?? '',
                    when: entry ? fullTime(entry.recordedAt) : '',
                  })}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {!erasing && (
        <>
          <h2>{t('contacts.timeline')}</h2>
          <ErrorNote message={timeline.error ? describeError(timeline.error) : null} />
          {timeline.data && timeline.data.items.length === 0 && <Empty title={t('contacts.timelineEmpty')} />}
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
