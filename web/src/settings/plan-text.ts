import type { PlanMeter, PlanPauseReason, WorkspacePlan } from '../api/types';
import { currentLocale, t } from '../i18n/i18n';

/** A meter's name in the active language. */
export const meterName = (meter: PlanMeter): string =>
  ({
    members: t('plan.meter.members'),
    channels: t('plan.meter.channels'),
    conversations: t('plan.meter.conversations'),
    llmSpendUsd: t('plan.meter.llmSpendUsd'),
    campaignRecipients: t('plan.meter.campaignRecipients'),
  })[meter];

const reason = (why: PlanPauseReason): string =>
  ({
    suspended: t('plan.reason.suspended'),
    trial_ended: t('plan.reason.trialEnded'),
    conversations_limit: t('plan.reason.conversationsLimit'),
    automations_halted: t('plan.reason.automationsHalted'),
  })[why];

/**
 * What the banner says, or null when nothing is paused. Customers' messages are always stored and shown:
 * only the bot, campaigns and automations pause.
 */
export function planNotice(plan: Pick<WorkspacePlan, 'automation' | 'suspendedReason'>): string | null {
  const { automation } = plan;
  if (!automation.allowed) {
    const why = new Intl.ListFormat(currentLocale(), { type: 'conjunction' }).format(
      automation.reasons.map(reason),
    );
    const detail = plan.suspendedReason ? ` (${plan.suspendedReason})` : '';
    return t('plan.paused', { why: `${why}${detail}` });
  }
  if (automation.llmSpendReached) {
    return t('plan.llmSpendReached');
  }
  return null;
}
