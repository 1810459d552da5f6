import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { withQuery } from '../api/client';
import { membersQuery } from '../api/queries';
import type { AuditEntryNamed } from '../api/types';
import { Empty, QueryError } from '../common/feedback';
import { dayStart, fullTime } from '../common/format';
import { currentLocale, t } from '../i18n/i18n';
import { affectedLink, describeAction, knownActions } from './audit-sentences';
import { type DayRange, FilterBar, LoadMore, useFilters, usePagedList } from './FilterBar';

interface Filters extends DayRange {
  actorUserId: string;
  action: string;
}
const NO_FILTERS: Filters = { actorUserId: '', action: '', from: '', to: '' };

/** Days as the operator picks them (their own time zone), as the API's instants: `to` includes its day. */
function query(filters: Filters) {
  return {
    actorUserId: filters.actorUserId || undefined,
    action: filters.action || undefined,
    from: dayStart(filters.from),
    to: dayStart(filters.to, 1),
  };
}

/** The workspace's audit trail in words: who did what, when, with filters, pages and a CSV download. */
export function AuditLog() {
  const { filters, draft, set, apply, clear, filtered } = useFilters(NO_FILTERS, NO_FILTERS);
  const members = useQuery(membersQuery);
  const { list: entries, items } = usePagedList<AuditEntryNamed>(
    ['audit-log', filters],
    '/audit-log',
    query(filters),
  );

  return (
    <>
      <h1>{t('settings.page.audit')}</h1>
      <p className="muted">{t('audit.intro')}</p>
      <FilterBar
        label={t('audit.filter')}
        draft={draft}
        set={set}
        filtered={filtered}
        onApply={() => apply(draft)}
        onClear={clear}
        after={
          <a className="button-link" href={withQuery('/api/v1/audit-log/export', query(filters))} download>
            {t('audit.csv')}
          </a>
        }
      >
        <label>
          {t('audit.who')}
          <select value={draft.actorUserId} onChange={set('actorUserId')}>
            <option value="">{t('audit.anyone')}</option>
            {(members.data ?? []).map((member) => (
              <option key={member.userId} value={member.userId}>
                {member.displayName ?? member.email}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('audit.what')}
          <select value={draft.action} onChange={set('action')}>
            <option value="">{t('audit.anyAction')}</option>
            {knownActions().map(({ action, label }) => (
              <option key={action} value={action}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </FilterBar>
      <QueryError query={entries} />
      {entries.isSuccess && items.length === 0 && (
        <Empty title={filtered ? t('audit.noMatch') : t('audit.empty')}>
          {filtered ? t('audit.noMatchHint') : t('audit.emptyHint')}
        </Empty>
      )}
      {items.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">
            {filtered ? t('audit.entriesFiltered') : t('audit.entries')}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('audit.when')}</th>
              <th scope="col">{t('audit.who')}</th>
              <th scope="col">{t('audit.what')}</th>
              <th scope="col">{t('audit.address')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => {
              const link = affectedLink(entry.action, entry.detail);
              return (
                <tr key={entry.id}>
                  <td className="audit-when">{fullTime(entry.createdAt)}</td>
                  <td>{actorOf(entry)}</td>
                  <td>
                    <span className="audit-sentence">
                      {capitalise(describeAction(entry.action, entry.detail))}
                    </span>
                    {link && (
                      <Link className="small-link" to={link.to}>
                        {link.label}
                      </Link>
                    )}
                  </td>
                  <td className="muted">{entry.ip ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <LoadMore list={entries} />
    </>
  );
}

function actorOf(entry: AuditEntryNamed): string {
  if (entry.actorName) {
    return entry.actorApiKeyId ? t('audit.actor.apiKey', { name: entry.actorName }) : entry.actorName;
  }
  if (entry.actorApiKeyId) return t('audit.actor.deletedKey');
  if (entry.actorUserId) return t('audit.actor.formerMember');
  return 'Leadline';
}

function capitalise(sentence: string): string {
  return sentence.charAt(0).toLocaleUpperCase(currentLocale()) + sentence.slice(1);
}
