/**
 * What to do about a Graph API error, from Meta's error-code table (protocols.md §1). Classification is
 * on `error.code`, never on titles or HTTP status (Meta's status per throttling code is not documented).
 * - `retry`: transient (throttling, maintenance, outage): back off, try again.
 * - `recipient-later`: only this recipient is rate-limited (131056): delay this send, not the number.
 * - `needs-template`: the 24-hour window is closed (131047): free text cannot go; a template can.
 * - `permanent`: retrying would fail the same way (undeliverable, withheld, bad request, bad token).
 */
export type GraphErrorAction = 'retry' | 'recipient-later' | 'needs-template' | 'permanent';

const ACTIONS: Record<number, GraphErrorAction> = {
  1: 'retry', // API unknown (Meta: "may be a temporary error")
  2: 'retry', // API service: temporary
  4: 'retry', // app Graph call-rate limit
  80007: 'retry', // WABA rate limit
  130429: 'retry', // per-number throughput reached
  131057: 'retry', // throughput upgrade / maintenance, a minute at most
  131056: 'recipient-later',
  131047: 'needs-template',
  131026: 'permanent', // undeliverable
  131049: 'permanent', // withheld for ecosystem health: not soon, and not by us
  131048: 'permanent', // spam rate limit: keep sending and the number gets flagged harder
};

export function classifyGraphError(
  code: number | undefined,
  httpStatus: number | undefined,
): GraphErrorAction {
  if (code !== undefined) {
    const known = ACTIONS[code];
    if (known) return known;
  }
  if (httpStatus === undefined || httpStatus === 429 || httpStatus >= 500) return 'retry';
  return 'permanent';
}

/** Our own code for "free text outside the customer-service window", refused before Meta sees it. */
export const OUTSIDE_WINDOW_CODE = 131047;
export const OUTSIDE_WINDOW_TITLE = 'outside the 24-hour customer service window; send a template';
