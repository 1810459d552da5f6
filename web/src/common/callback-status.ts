import type { CallbackStatus } from '../api/types';

/** How a call-back's state reads to an operator (the server's state machine, ADR 0020). */
export const CALLBACK_STATUS_LABELS: Record<CallbackStatus, string> = {
  requested: 'Requested',
  scheduled: 'Scheduled',
  calling_business: 'Calling the business',
  business_answered: 'Business answered',
  calling_visitor: 'Calling the visitor',
  connected: 'Connected',
  completed: 'Completed',
  business_no_answer: 'Business did not answer',
  visitor_no_answer: 'Visitor did not answer',
  busy: 'Busy',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** A call-back an operator may still cancel or move: it has not started ringing. */
export const isPendingCallback = (status: CallbackStatus) => status === 'requested' || status === 'scheduled';

/** `2 min 5 s` from seconds. */
export function callDuration(seconds: number | null): string {
  if (seconds === null) return '';
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}
