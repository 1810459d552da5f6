import type { PlanMeter, PlanPauseReason, WorkspacePlan } from '../api/types';

export const METER_NAMES: Record<PlanMeter, string> = {
  members: 'Members (with pending invitations)',
  channels: 'Channels',
  conversations: 'Conversations started',
  llmSpendUsd: 'LLM spend (estimated, USD)',
  campaignRecipients: 'Campaign recipients',
};

const REASONS: Record<PlanPauseReason, string> = {
  suspended: 'the workspace is suspended',
  trial_ended: 'the trial has ended',
  conversations_limit: "this month's conversations are used up",
};

/**
 * What the banner says, or null when nothing is paused. Customers' messages are always stored and shown:
 * only the bot, campaigns and automations pause.
 */
export function planNotice(plan: Pick<WorkspacePlan, 'automation' | 'suspendedReason'>): string | null {
  const { automation } = plan;
  if (!automation.allowed) {
    const why = automation.reasons.map((reason) => REASONS[reason]).join(' and ');
    const detail = plan.suspendedReason ? ` (${plan.suspendedReason})` : '';
    return `The bot, campaigns and automations are paused: ${why}${detail}. Customers' messages still arrive in the inbox; answer them yourself.`;
  }
  if (automation.llmSpendReached) {
    return "This month's LLM spend limit is reached: the built-in qualifier answers instead of the LLM agent until next month.";
  }
  return null;
}
