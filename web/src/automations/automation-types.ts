import { currentLocale, t } from '../i18n/i18n';

/** The API's automation shapes (see /api/v1/automations in the OpenAPI document). */

export type Trigger =
  | { type: 'silence'; lastMessage: 'inbound' | 'outbound'; hours: number }
  | { type: 'stage_entered'; stageId: string; afterHours: number }
  | { type: 'quote_status'; status: string; afterHours: number }
  | { type: 'campaign_event'; event: string; campaignId?: string }
  | { type: 'schedule'; frequency: 'daily' | 'weekly'; time: string; weekday?: number };

export type Action =
  | {
      type: 'send_template';
      template: { name: string; language: string; variables: { source: string; fallback: string }[] };
    }
  | { type: 'send_sms'; text: string }
  | { type: 'assign'; userId: string | null }
  | { type: 'move_stage'; stageId: string }
  | { type: 'add_label'; labelId: string }
  | { type: 'notify'; userIds: string[]; title: string }
  | { type: 'hubspot_task'; subject: string; dueInHours: number };

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  trigger: Trigger;
  segmentId: string | null;
  actions: Action[];
  dailyCap: number;
  enabledAt: string | null;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RuleInput {
  name: string;
  trigger: Trigger;
  segmentId: string | null;
  actions: Action[];
  dailyCap: number;
}

export interface DryRunEntry {
  contactId: string;
  name: string | null;
  windowKey: string;
  at: string;
  alreadyDone: boolean;
}

export interface Run {
  id: string;
  contactId: string;
  windowKey: string;
  status: 'pending' | 'done' | 'skipped' | 'failed';
  skipReason: string | null;
  outcomes: { type: string; outcome: 'done' | 'skipped'; reason?: string }[];
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface KillSwitch {
  halted: boolean;
  haltedAt: string | null;
  haltedByUserId: string | null;
  reason: string | null;
}

export const triggerNames = (): Record<Trigger['type'], string> => ({
  silence: t('automations.trigger.silence'),
  stage_entered: t('automations.trigger.stageEntered'),
  quote_status: t('automations.trigger.quoteStatus'),
  campaign_event: t('automations.trigger.campaignEvent'),
  schedule: t('automations.trigger.schedule'),
});

export const actionNames = (): Record<Action['type'], string> => ({
  send_template: t('automations.action.sendTemplate'),
  send_sms: t('automations.action.sendSms'),
  assign: t('automations.action.assign'),
  move_stage: t('automations.action.moveStage'),
  add_label: t('automations.action.addLabel'),
  notify: t('automations.action.notify'),
  hubspot_task: t('automations.action.hubspotTask'),
});

export const QUOTE_STATUSES = [
  'sent',
  'viewed',
  'pending_approval',
  'approved',
  'accepted',
  'declined',
  'expired',
] as const;

/** A quote's status as a trigger names it. */
export const quoteStatusLabel = (status: string): string =>
  (
    ({
      sent: t('automations.quoteStatus.sent'),
      viewed: t('automations.quoteStatus.viewed'),
      pending_approval: t('automations.quoteStatus.pendingApproval'),
      approved: t('automations.quoteStatus.approved'),
      accepted: t('automations.quoteStatus.accepted'),
      declined: t('automations.quoteStatus.declined'),
      expired: t('automations.quoteStatus.expired'),
    }) as Record<string, string>
  )[status] ?? status.replace('_', ' ');

export const CAMPAIGN_EVENTS = ['sent', 'delivered', 'read', 'replied', 'failed', 'opted_out'] as const;

/** What happened to a campaign's recipient, as a trigger names it. */
export const campaignEventLabel = (event: string): string =>
  (
    ({
      sent: t('automations.campaignEvent.sent'),
      delivered: t('automations.campaignEvent.delivered'),
      read: t('automations.campaignEvent.read'),
      replied: t('automations.campaignEvent.replied'),
      failed: t('automations.campaignEvent.failed'),
      opted_out: t('automations.campaignEvent.optedOut'),
    }) as Record<string, string>
  )[event] ?? event.replace('_', ' ');

/** The days of the week in the active language, Sunday first (the API's weekday 0). */
export const weekdays = (): string[] =>
  Array.from({ length: 7 }, (_, index) =>
    new Intl.DateTimeFormat(currentLocale(), { weekday: 'long', timeZone: 'UTC' }).format(
      Date.UTC(2024, 0, 7 + index),
    ),
  );

/** One line a person reads: "No reply from the customer for 24 h". */
export function describeTrigger(trigger: Trigger): string {
  switch (trigger.type) {
    case 'silence':
      return trigger.lastMessage === 'outbound'
        ? t('automations.describe.noReply', { hours: trigger.hours })
        : t('automations.describe.waited', { hours: trigger.hours });
    case 'stage_entered':
      return trigger.afterHours
        ? t('automations.describe.stageEnteredAfter', { hours: trigger.afterHours })
        : t('automations.describe.stageEntered');
    case 'quote_status':
      return trigger.afterHours
        ? t('automations.describe.quoteStatusFor', {
            status: quoteStatusLabel(trigger.status),
            hours: trigger.afterHours,
          })
        : t('automations.describe.quoteStatus', { status: quoteStatusLabel(trigger.status) });
    case 'campaign_event':
      return t('automations.describe.campaignEvent', { event: campaignEventLabel(trigger.event) });
    case 'schedule':
      return trigger.frequency === 'daily'
        ? t('automations.describe.daily', { time: trigger.time })
        : t('automations.describe.weekly', {
            day: weekdays()[trigger.weekday ?? 1] ?? '',
            time: trigger.time,
          });
  }
}
