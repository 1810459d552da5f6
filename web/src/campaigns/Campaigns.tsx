import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Role } from '../api/types';
import { Empty, QueryError } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';
import { CampaignDetail } from './CampaignDetail';
import { CampaignEditor } from './CampaignEditor';
import { type Campaign, campaignApi, campaignKeys } from './campaign-api';
import { CampaignsBreadcrumb, doneOf } from './campaign-parts';
import { channelText, statusText } from './campaign-text';
import './campaigns.css';

// The report carries the chart library: loaded only when a report is opened.
const CampaignReport = lazy(() =>
  import('./CampaignReport').then((module) => ({ default: module.CampaignReport })),
);

/**
 * /campaigns (the list), /campaigns/new, /campaigns/:campaignId (a draft's editor and launch, or a
 * launched campaign's progress) and /campaigns/:campaignId/report.
 */
export function Campaigns(props: { role: Role }) {
  const { campaignId, page } = useParams();
  // Everyone follows campaigns; owners and admins create, launch and control them (and export reports).
  const canManage = props.role !== 'agent';
  if (!campaignId) return <CampaignList canManage={canManage} />;
  if (campaignId === 'new') return <CampaignEditor key="new" campaign={null} canManage={canManage} />;
  if (page === 'report') {
    return (
      <Suspense fallback={<p className="loading">{t('common.loading')}</p>}>
        <CampaignReport key={campaignId} id={campaignId} canExport={canManage} />
      </Suspense>
    );
  }
  return <CampaignPage key={campaignId} id={campaignId} canManage={canManage} />;
}

function CampaignPage(props: { id: string; canManage: boolean }) {
  const query = useQuery({
    queryKey: campaignKeys.campaign(props.id),
    queryFn: ({ signal }) => campaignApi.get(props.id, { signal }),
  });
  if (query.data?.status === 'draft')
    return <CampaignEditor campaign={query.data} canManage={props.canManage} />;
  if (query.data) return <CampaignDetail campaign={query.data} canManage={props.canManage} />;
  return (
    <section className="settings-page card campaigns">
      <CampaignsBreadcrumb />
      <h1>{t('campaigns.campaign')}</h1>
      {query.isPending && <p className="loading">{t('common.loading')}</p>}
      <QueryError query={query} />
    </section>
  );
}

function CampaignList(props: { canManage: boolean }) {
  const heading = useView(t('campaigns.title'));
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const list = useQuery({
    queryKey: campaignKeys.list(cursor),
    queryFn: ({ signal }) => campaignApi.list(cursor, { signal }),
  });
  return (
    <section className="settings-page card campaigns">
      <div className="campaigns-header">
        <h1 ref={heading} tabIndex={-1}>
          {t('campaigns.title')}
        </h1>
        {props.canManage && (
          <Link className="button-link primary" to="/campaigns/new">
            {t('campaigns.new')}
          </Link>
        )}
      </div>
      <p className="muted">{t('campaigns.intro')}</p>
      <QueryError query={list} />
      {list.isPending && <p className="loading">{t('common.loading')}</p>}
      {list.data?.items.length === 0 && cursors.length === 1 && (
        <Empty title={t('campaigns.empty')}>{t('campaigns.emptyHint')}</Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <table className="table campaign-list">
          <thead>
            <tr>
              <th scope="col">{t('campaigns.column.name')}</th>
              <th scope="col">{t('campaigns.column.channel')}</th>
              <th scope="col">{t('campaigns.column.status')}</th>
              <th scope="col">{t('campaigns.column.progress')}</th>
              <th scope="col">{t('campaigns.column.created')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((campaign) => (
              <CampaignRow key={campaign.id} campaign={campaign} />
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        {cursors.length > 1 && (
          <button type="button" onClick={() => setCursors((all) => all.slice(0, -1))}>
            {t('campaigns.newer')}
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursors((all) => [...all, list.data?.nextCursor ?? null])}>
            {t('campaigns.older')}
          </button>
        )}
      </div>
    </section>
  );
}

const IN_FLIGHT = new Set(['running', 'paused', 'scheduled']);

function CampaignRow(props: { campaign: Campaign }) {
  const { campaign } = props;
  return (
    <tr>
      <td>
        <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link>
      </td>
      <td>{channelText(campaign.channelKind)}</td>
      <td>
        <span className={`badge campaign-status-${campaign.status}`}>{statusText(campaign.status)}</span>
        {campaign.status === 'paused' && campaign.pausedReason && (
          <span className="muted"> — {campaign.pausedReason}</span>
        )}
      </td>
      <td>{campaign.status === 'draft' ? '—' : <ListProgress campaign={campaign} />}</td>
      <td>{fullTime(campaign.createdAt)}</td>
    </tr>
  );
}

/** A launched campaign's share of recipients done, from its progress counts. */
function ListProgress(props: { campaign: Campaign }) {
  const { campaign } = props;
  const progress = useQuery({
    queryKey: campaignKeys.progress(campaign.id),
    queryFn: ({ signal }) => campaignApi.progress(campaign.id, { signal }),
    refetchInterval: IN_FLIGHT.has(campaign.status) ? 10_000 : false,
  });
  if (!progress.data) return <span className="muted">…</span>;
  const { done, total } = doneOf(progress.data.counts);
  return (
    <span className="list-progress">
      <progress
        max={Math.max(total, 1)}
        value={done}
        aria-label={t('campaigns.listProgress', { name: campaign.name, done, total })}
      />{' '}
      {formatNumber(done)} / {formatNumber(total)}
    </span>
  );
}
