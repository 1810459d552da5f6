/**
 * The one state machine of a call-back (ADR 0020):
 *
 *   requested ─┬─> calling_business -> business_answered -> calling_visitor -> connected -> completed
 *   scheduled ─┘        │                                        │
 *                       └─> business_no_answer | busy | failed    └─> visitor_no_answer | busy | failed
 *
 * `scheduled` waits for a job (out of hours, or a retry of the business leg); `canceled` is reachable
 * from any state before the business answered. Terminal states absorb every later event, which is what
 * makes duplicated and out-of-order provider callbacks harmless.
 */
export const CALLBACK_STATUSES = [
  'requested',
  'scheduled',
  'calling_business',
  'business_answered',
  'calling_visitor',
  'connected',
  'completed',
  'business_no_answer',
  'visitor_no_answer',
  'busy',
  'failed',
  'canceled',
] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export const TERMINAL: ReadonlySet<CallbackStatus> = new Set([
  'completed',
  'business_no_answer',
  'visitor_no_answer',
  'busy',
  'failed',
  'canceled',
]);

const NEXT: Record<CallbackStatus, readonly CallbackStatus[]> = {
  requested: ['calling_business', 'scheduled', 'canceled', 'failed'],
  scheduled: ['calling_business', 'scheduled', 'canceled', 'failed'],
  calling_business: ['business_answered', 'scheduled', 'business_no_answer', 'busy', 'failed', 'canceled'],
  business_answered: ['calling_visitor', 'failed'],
  calling_visitor: ['connected', 'completed', 'visitor_no_answer', 'busy', 'failed', 'canceled'],
  connected: ['completed', 'failed'],
  completed: [],
  business_no_answer: [],
  visitor_no_answer: [],
  busy: [],
  failed: [],
  canceled: [],
};

export function canMove(from: CallbackStatus, to: CallbackStatus): boolean {
  return NEXT[from].includes(to);
}

/** Twilio's terminal CallStatus values (protocols.md §2). */
export const ENDED_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** The outcome of a visitor leg that ended, from its DialCallStatus / CallStatus. */
export function visitorOutcome(callStatus: string): CallbackStatus | undefined {
  switch (callStatus) {
    case 'completed':
      return 'completed';
    case 'no-answer':
      return 'visitor_no_answer';
    case 'busy':
      return 'busy';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    default:
      return undefined;
  }
}

/** The outcome of a business attempt whose legs all ended without an agent pressing 1. */
export function businessOutcome(lastCallStatus: string): CallbackStatus {
  if (lastCallStatus === 'busy') return 'busy';
  if (lastCallStatus === 'failed') return 'failed';
  return 'business_no_answer';
}
