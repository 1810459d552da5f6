/**
 * Why an outbound request failed. Messages name the host and the reason only: never a URL's path or
 * query (Meta's media URLs carry signed tokens) and never a header.
 */
export type OutboundFailure =
  | 'refused_address' // SSRF guard: private, loopback, link-local, ... or not HTTPS
  | 'redirect_refused'
  | 'too_large'
  | 'timeout'
  | 'connection' // DNS, TCP, TLS, reset
  | 'circuit_open'
  | 'http_status'; // the server answered with a status the caller treats as failure

export class OutboundError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    readonly details: {
      /** Worth trying again (now or later): timeouts, connection errors, 5xx, 429, an open circuit. */
      retryable: boolean;
      status?: number;
      /** From Retry-After, when the server sent one. */
      retryAfterMs?: number;
      /** The response body (already size-capped) for `http_status`, so callers can classify it. */
      body?: Buffer;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = 'OutboundError';
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent
 * or unreadable; never negative.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names a weekday and month; Date.parse alone would read "-1" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
