import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { describeError } from '../api/client';
import { keys } from '../api/queries';
import { ConfirmDialog } from '../common/Dialog';
import { ErrorNote, QueryError } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';
import { type Campaign, campaignApi, campaignKeys, type Progress } from './campaign-api';
import { CampaignsBreadcrumb, doneOf } from './campaign-parts';
import { channelText, recipientText, statusText } from './campaign-text';
import { RecipientTable } from './RecipientTable';

type Action = 'pause' | 'resume' | 'cancel' | 'retry-failed';
const ACTIVE = new Set(['running', 'scheduled']);

/** A launched campaign: live progress, its controls, and every recipient's outcome. */
export function CampaignDetail(props: { campaign: Campaign; canManage: boolean }) {
  const { campaign } = props;
  const heading = useView(t('campaigns.pageTitle', { name: campaign.name }));
  const client = useQueryClient();
  const progress = useQuery({
    queryKey: campaignKeys.progress(campaign.id),
    queryFn: ({ signal }) => campaignApi.progress(campaign.id, { signal }),
    // campaign.progress events refresh it as sends happen; polling covers a socket that is reconnecting.
    refetchInterval: ACTIVE.has(campaign.status) ? 5000 : false,
  });
  const [confirmCancel, setConfirmCancel] = useState(false);
  const act = useMutation({
    mutationFn: (action: Action) => campaignApi.act(campaign.id, action),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.campaign(campaign.id) }),
  });
  // The progress answer is fresher than the campaign's own row between two refetches.
  const status = progress.data?.status ?? campaign.status;
  const failed = progress.data?.counts.failed ?? 0;
  const manage = props.canManage;
  const live = { ...campaign, status };
  return (
    <section className="settings-page card campaigns">
      <CampaignsBreadcrumb />
      <h1 ref={heading} tabIndex={-1}>
        {campaign.name}
      </h1>
      <p className="muted">
        {channelText(campaign.channelKind)}
        {campaign.launchedAt &&
          ` · ${t('campaigns.detail.launched', { time: fullTime(campaign.launchedAt) })}`}
        {status === 'scheduled' &&
          campaign.scheduledAt &&
          ` · ${t('campaigns.detail.starts', { time: fullTime(campaign.scheduledAt) })}`}
        {campaign.completedAt &&
          ` · ${t('campaigns.detail.finished', { time: fullTime(campaign.completedAt) })}`}
      </p>
      <QueryError query={progress} />
      {progress.data && <ProgressView campaign={live} progress={progress.data} />}
      <div className="campaign-actions">
        {manage && (status === 'running' || status === 'scheduled') && (
          <button type="button" disabled={act.isPending} onClick={() => act.mutate('pause')}>
            {t('campaigns.detail.pause')}
          </button>
        )}
        {manage && status === 'paused' && (
          <button
            type="button"
            className="primary"
            disabled={act.isPending}
            onClick={() => act.mutate('resume')}
          >
            {t('campaigns.detail.resume')}
          </button>
        )}
        {manage && failed > 0 && status !== 'cancelled' && (
          <button type="button" disabled={act.isPending} onClick={() => act.mutate('retry-failed')}>
            {t('campaigns.detail.retryFailed', { count: failed })}
          </button>
        )}
        {manage && (status === 'running' || status === 'paused' || status === 'scheduled') && (
          <button
            type="button"
            className="danger"
            disabled={act.isPending}
            onClick={() => setConfirmCancel(true)}
          >
            {t('campaigns.detail.cancel')}
          </button>
        )}
        <Link className="button-link" to={`/campaigns/${campaign.id}/report`}>
          {t('campaigns.detail.report')}
        </Link>
      </div>
      <ErrorNote message={act.error ? describeError(act.error) : null} />
      <RecipientTable campaignId={campaign.id} />
      {confirmCancel && (
        <ConfirmDialog
          title={t('campaigns.detail.cancelTitle')}
          cancel={t('campaigns.detail.keepSending')}
          confirm={t('campaigns.detail.cancel')}
          onClose={() => setConfirmCancel(false)}
          onConfirm={() => {
            act.mutate('cancel');
          }}
        >
          <p>{t('campaigns.detail.cancelText')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

const SHOWN_COUNTS = [
  'queued',
  'sent',
  'delivered',
  'read',
  'replied',
  'failed',
  'skipped',
  'opted_out',
  'cancelled',
] as const;
/** The counts' labels: as the recipients' statuses, but a queued recipient is still waiting. */
function countText(status: (typeof SHOWN_COUNTS)[number]): string {
  return status === 'queued' ? t('campaigns.detail.waiting') : recipientText(status);
}

function etaText(progress: Progress): string | null {
  if (!progress.eta.finishesAt || progress.status === 'completed' || progress.status === 'cancelled')
    return null;
  const time = fullTime(progress.eta.finishesAt);
  return progress.eta.days > 1
    ? t('campaigns.detail.etaDays', { time, days: progress.eta.days })
    : t('campaigns.detail.eta', { time });
}

function ProgressView(props: { campaign: Campaign; progress: Progress }) {
  const { campaign, progress } = props;
  const labelId = useId();
  const { done, total } = doneOf(progress.counts);
  const percent = total === 0 ? 0 : Math.floor((done / total) * 100);
  const eta = etaText(progress);
  return (
    <div className="campaign-progress">
      <p id={labelId}>
        <strong>{statusText(campaign.status)}</strong> — {formatNumber(percent / 100, { style: 'percent' })}
        {campaign.status === 'paused' && progress.pausedReason && ` (${progress.pausedReason})`}
      </p>
      <progress aria-labelledby={labelId} max={Math.max(total, 1)} value={done}>
        {formatNumber(percent / 100, { style: 'percent' })}
      </progress>
      <p role="status" className="campaign-figures">
        {t('campaigns.detail.done', { done: formatNumber(done), total: formatNumber(total) })}
        {campaign.status === 'running' &&
          ` · ${t('campaigns.detail.rate', { rate: formatNumber(progress.sentPerSecond) })}`}
        {eta && ` · ${eta}`}
      </p>
      <dl className="import-counts campaign-counts">
        {SHOWN_COUNTS.map((status) => (
          <div key={status} className="count">
            <dt>{countText(status)}</dt>
            <dd data-count={status}>{formatNumber(progress.counts[status] ?? 0)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
