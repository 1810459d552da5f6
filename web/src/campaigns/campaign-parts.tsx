import { Link } from 'react-router';
import { t } from '../i18n/i18n';
import type { Campaign } from './campaign-api';

/** Back to the list, and to the campaign from its report. */
export function CampaignsBreadcrumb(props: { campaign?: Pick<Campaign, 'id' | 'name'> }) {
  return (
    <nav aria-label={t('campaigns.breadcrumb')}>
      <Link to="/campaigns">{t('campaigns.allCampaigns')}</Link>
      {props.campaign && (
        <>
          {' › '}
          <Link to={`/campaigns/${props.campaign.id}`}>{props.campaign.name}</Link>
        </>
      )}
    </nav>
  );
}

/** Recipients no longer waiting (anything but queued) out of all recipients. */
export function doneOf(counts: Partial<Record<string, number>>): { done: number; total: number } {
  let total = 0;
  let queued = 0;
  for (const [status, count] of Object.entries(counts)) {
    total += count ?? 0;
    if (status === 'queued') queued += count ?? 0;
  }
  return { done: total - queued, total };
}
