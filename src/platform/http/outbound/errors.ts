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
      /**
       * The request certainly never reached the server (refused before sending, no connection, open
       * circuit). Without it, a failure other than `http_status` may have happened after the server acted.
       */
      notSent?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = 'OutboundError';
  }

  get retryable(): boolean {
    return this.details.retryable;
  }

  /** Whether the server may have acted on the request although no answer was read (ADR 0018). */
  get outcomeUnknown(): boolean {
    if (this.details.notSent === true) return false;
    // An error status or a redirect is the server's answer; a refused address never connected.
    return !['http_status', 'redirect_refused', 'refused_address'].includes(this.failure);
  }
}

/** Connection errors that happen before a single byte of the request is written. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function neverConnected(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
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
