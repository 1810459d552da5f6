import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { Empty, QueryError } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { campaignApi, campaignKeys, type Recipient, type RecipientStatus } from './campaign-api';
import { errorText, reasonText, recipientText } from './campaign-text';

const FILTERS: (RecipientStatus | '')[] = [
  '',
  'queued',
  'sent',
  'delivered',
  'read',
  'replied',
  'failed',
  'skipped',
  'opted_out',
  'cancelled',
];

function lastEvent(recipient: Recipient): string | null {
  return (
    recipient.repliedAt ??
    recipient.readAt ??
    recipient.deliveredAt ??
    recipient.failedAt ??
    recipient.sentAt ??
    null
  );
}

/** Every recipient with its status, failure code or skip reason; filtered by status, paged by cursor. */
export function RecipientTable(props: { campaignId: string }) {
  const [status, setStatus] = useState<RecipientStatus | ''>('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const list = useQuery({
    queryKey: campaignKeys.recipients(props.campaignId, status, cursor),
    queryFn: ({ signal }) => campaignApi.recipients(props.campaignId, status, cursor, { signal }),
    placeholderData: (previous) => previous,
  });
  return (
    <section className="recipients" aria-labelledby="recipients-heading">
      <h2 id="recipients-heading">{t('campaigns.recipients.heading')}</h2>
      <label>
        {t('campaigns.recipients.show')}
        <select
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as RecipientStatus | '');
            setCursors([null]);
          }}
        >
          {FILTERS.map((filter) => (
            <option key={filter} value={filter}>
              {filter === '' ? t('campaigns.recipients.every') : recipientText(filter)}
            </option>
          ))}
        </select>
      </label>
      <QueryError query={list} />
      {list.data?.items.length === 0 && cursors.length === 1 && (
        <Empty title={t('campaigns.recipients.none')} />
      )}
      {list.data && list.data.items.length > 0 && (
        <div className="table-scroll">
          <table className="table recipient-table">
            <thead>
              <tr>
                <th scope="col">{t('campaigns.recipients.name')}</th>
                <th scope="col">{t('campaigns.recipients.variant')}</th>
                <th scope="col">{t('campaigns.recipients.status')}</th>
                <th scope="col">{t('campaigns.recipients.detail')}</th>
                <th scope="col">{t('campaigns.recipients.lastChange')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((recipient) => (
                <tr key={recipient.id}>
                  <td>
                    {/* The contact's name links to them; a contact without one is still reachable. */}
                    <Link to={`/contacts/${recipient.contactId}`}>
                      {recipient.contactName ?? t('campaigns.recipients.openContact')}
                    </Link>
                  </td>
                  <td>{recipient.variant}</td>
                  <td>{recipientText(recipient.status)}</td>
                  <td>
                    {recipient.errorCode && errorText(recipient.errorCode)}
                    {recipient.skipReason && reasonText(recipient.skipReason)}
                  </td>
                  <td>{fullTime(lastEvent(recipient))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pager">
        {cursors.length > 1 && (
          <button type="button" onClick={() => setCursors((all) => all.slice(0, -1))}>
            {t('campaigns.recipients.previous')}
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursors((all) => [...all, list.data?.nextCursor ?? null])}>
            {t('campaigns.recipients.more')}
          </button>
        )}
      </div>
    </section>
  );
}
