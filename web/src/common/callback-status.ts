import type { CallbackStatus } from '../api/types';
import { t } from '../i18n/i18n';

/**
 * How a call-back's state reads to an operator (the server's state machine, ADR 0020). Its strings are in
 * the `conversation` catalog: a screen that shows call-backs loads it.
 */
export const callbackStatusLabel = (status: CallbackStatus): string =>
  ({
    requested: t('callback.status.requested'),
    scheduled: t('callback.status.scheduled'),
    calling_business: t('callback.status.callingBusiness'),
    business_answered: t('callback.status.businessAnswered'),
    calling_visitor: t('callback.status.callingVisitor'),
    connected: t('callback.status.connected'),
    completed: t('callback.status.completed'),
    business_no_answer: t('callback.status.businessNoAnswer'),
    visitor_no_answer: t('callback.status.visitorNoAnswer'),
    busy: t('callback.status.busy'),
    failed: t('callback.status.failed'),
    canceled: t('callback.status.canceled'),
  })[status];

/** A call-back an operator may still cancel or move: it has not started ringing. */
export const isPendingCallback = (status: CallbackStatus) => status === 'requested' || status === 'scheduled';

/** `2 min 5 s` from seconds. */
export function callDuration(seconds: number | null): string {
  if (seconds === null) return '';
  const minutes = Math.floor(seconds / 60);
  // SI symbols (min, s) read the same in the dashboard's four languages.
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}
