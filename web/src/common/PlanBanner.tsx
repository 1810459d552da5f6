import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { workspacePlanQuery } from '../api/queries';
import { planNotice } from '../settings/plan-text';

/** A banner on every page while the workspace's plan pauses its bot or its LLM, saying why. */
export function PlanBanner() {
  const plan = useQuery(workspacePlanQuery);
  const notice = plan.data ? planNotice(plan.data) : null;
  if (!notice) return null;
  return (
    <div className="plan-banner" role="status">
      <span>{notice}</span> <Link to="/settings/usage">See usage</Link>
    </div>
  );
}
