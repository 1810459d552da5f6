import { Link } from 'react-router';
import type { Session } from '../api/types';
import { t } from '../i18n/i18n';
import { planNotice } from '../settings/plan-text';

/**
 * A banner on every page while the workspace's plan pauses its bot or its LLM, saying why. The session
 * carries the reason, so the banner adds no request to a page's first load.
 */
export function PlanBanner(props: { automation: Session['automation'] }) {
  const { automation } = props;
  const notice = automation ? planNotice({ automation, suspendedReason: automation.suspendedReason }) : null;
  if (!notice) return null;
  return (
    <div className="plan-banner" role="status">
      <span>{notice}</span> <Link to="/settings/usage">{t('plan.seeUsage')}</Link>
    </div>
  );
}
