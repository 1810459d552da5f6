import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { QueryError } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';
import {
  campaignApi,
  campaignKeys,
  FUNNEL_STAGES,
  type FunnelStage,
  type CampaignReport as Report,
} from './campaign-api';
import { CampaignsBreadcrumb } from './campaign-parts';
import { percent, statusText } from './campaign-text';

// uPlot (canvas, ~50 kB) only once a report with figures is shown.
const FunnelChart = lazy(() => import('./FunnelChart').then((module) => ({ default: module.FunnelChart })));

export function stageText(stage: FunnelStage): string {
  const text: Record<FunnelStage, string> = {
    sent: t('campaigns.stage.sent'),
    delivered: t('campaigns.stage.delivered'),
    read: t('campaigns.stage.read'),
    replied: t('campaigns.stage.replied'),
    qualified: t('campaigns.stage.qualified'),
    quoted: t('campaigns.stage.quoted'),
    won: t('campaigns.stage.won'),
  };
  return text[stage];
}

/** /campaigns/:id/report: the funnel per variant, as a chart and a table, and the recipients as CSV. */
export function CampaignReport(props: { id: string; canExport: boolean }) {
  const report = useQuery({
    queryKey: campaignKeys.report(props.id),
    queryFn: ({ signal }) => campaignApi.report(props.id, { signal }),
  });
  const data = report.data;
  const title = data
    ? t('campaigns.report.title', { name: data.campaign.name })
    : t('campaigns.report.heading');
  const heading = useView(title);
  return (
    <section className="settings-page card campaigns campaign-report">
      <CampaignsBreadcrumb campaign={data ? { id: props.id, name: data.campaign.name } : undefined} />
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <QueryError query={report} />
      {report.isPending && <p className="loading">{t('common.loading')}</p>}
      {data && <ReportBody id={props.id} report={data} canExport={props.canExport} />}
    </section>
  );
}

function ReportBody(props: { id: string; report: Report; canExport: boolean }) {
  const { report } = props;
  const { total } = report;
  const variants = report.variants;
  const columns =
    variants.length > 1
      ? [
          ...variants.map((variant) => ({
            key: variant.variant,
            title: t('campaigns.variant', { key: variant.variant }),
            recipients: variant.recipients,
            funnel: variant.funnel,
          })),
          {
            key: 'total',
            title: t('campaigns.report.total'),
            recipients: total.recipients,
            funnel: total.funnel,
          },
        ]
      : [
          {
            key: 'total',
            title: t('campaigns.report.recipients'),
            recipients: total.recipients,
            funnel: total.funnel,
          },
        ];
  return (
    <>
      <p className="muted">
        {statusText(report.campaign.status)}
        {report.campaign.launchedAt &&
          ` · ${t('campaigns.detail.launched', { time: fullTime(report.campaign.launchedAt) })}`}
        {` · ${t('campaigns.report.asOf', { time: fullTime(report.generatedAt) })} · `}
        {total.notSent > 0
          ? t('campaigns.report.recipientsNotSent', { count: total.recipients, notSent: total.notSent })
          : t('campaigns.report.recipientCount', { count: total.recipients })}
      </p>
      {variants.length > 1 && (
        <ul className="variant-labels">
          {variants.map((variant) => (
            <li key={variant.variant}>
              {t('campaigns.report.variantLabel', { key: variant.variant, label: variant.label })}
            </li>
          ))}
        </ul>
      )}
      {total.funnel.sent > 0 ? (
        <Suspense fallback={<p className="loading">{t('campaigns.report.loadingChart')}</p>}>
          <FunnelChart
            series={
              variants.length > 1
                ? variants.map((variant) => ({
                    name: t('campaigns.variant', { key: variant.variant }),
                    funnel: variant.funnel,
                  }))
                : [{ name: t('campaigns.report.recipients'), funnel: total.funnel }]
            }
            labels={FUNNEL_STAGES.map(stageText)}
          />
        </Suspense>
      ) : (
        <p className="muted">{t('campaigns.report.nothingSent')}</p>
      )}
      <div className="table-scroll">
        <table className="table funnel-table">
          <caption>{t('campaigns.report.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('campaigns.report.stage')}</th>
              {columns.map((column) => (
                <th key={column.key} scope="col">
                  {column.title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {FUNNEL_STAGES.map((stage) => (
              <tr key={stage}>
                <th scope="row">{stageText(stage)}</th>
                {columns.map((column) => (
                  <td key={column.key} data-stage={stage} data-column={column.key}>
                    {formatNumber(column.funnel[stage])}
                    {stage !== 'sent' && (
                      <span className="muted"> ({percent(column.funnel[stage], column.funnel.sent)})</span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">{t('campaigns.report.stagesHint')}</p>
      {props.canExport && (
        <div className="form-actions">
          <a className="button-link" href={`/api/v1/campaigns/${props.id}/report.csv`} download>
            {t('campaigns.report.download')}
          </a>
        </div>
      )}
    </>
  );
}
