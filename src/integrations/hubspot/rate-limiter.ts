/**
 * One limiter per HubSpot account: the limits are per account and shared with every app installed on
 * it, so the pace comes from HubSpot's own headers (X-HubSpot-RateLimit-Max / -Remaining /
 * -Interval-Milliseconds) rather than from a number we guess. Requests are spaced evenly across the
 * published window; when HubSpot reports the window nearly used up (another app on the account is busy)
 * or answers 429, every request of the account waits (Retry-After when it sent one).
 */
export class AccountRateLimiter {
  private nextAt = 0;
  private spacingMs: number;
  private pausedUntil = 0;
  /** 429 answers received (for the sync page and the benchmark). */
  tooManyRequests = 0;

  constructor(
    defaults: { maxPerInterval: number; intervalMs: number },
    private readonly now: () => number = Date.now,
  ) {
    this.spacingMs = defaults.intervalMs / defaults.maxPerInterval;
  }

  /** Resolves when this account may send its next request. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.nextAt, this.pausedUntil);
    this.nextAt = at + this.spacingMs;
    if (at > now) await sleep(at - now, signal);
  }

  /** Reads the account's limits from a response's headers. */
  observe(headers: Record<string, string | string[] | undefined>): void {
    const max = numberHeader(headers['x-hubspot-ratelimit-max']);
    const interval = numberHeader(headers['x-hubspot-ratelimit-interval-milliseconds']);
    const remaining = numberHeader(headers['x-hubspot-ratelimit-remaining']);
    if (max && interval) {
      // A little under the published pace: requests of one window are not all counted at the same instant.
      this.spacingMs = (interval / max) * 1.05;
    }
    if (remaining !== undefined && remaining <= 1 && interval) {
      // The window is used up (by us or another app of the account): wait for part of it to roll off.
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + this.spacingMs * 2);
    }
  }

  /** A 429: nobody on this account sends before Retry-After (or one spacing interval without it). */
  refused(retryAfterMs: number | undefined): void {
    this.tooManyRequests += 1;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + (retryAfterMs ?? this.spacingMs * 10));
  }
}

function numberHeader(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || !/^\d{1,12}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The limiters of a process, one per HubSpot account (portal id). */
export class RateLimiters {
  private readonly byAccount = new Map<string, AccountRateLimiter>();
  constructor(private readonly defaults = { maxPerInterval: 100, intervalMs: 10_000 }) {}

  for(portalId: string): AccountRateLimiter {
    let limiter = this.byAccount.get(portalId);
    if (!limiter) {
      limiter = new AccountRateLimiter(this.defaults);
      this.byAccount.set(portalId, limiter);
    }
    return limiter;
  }
}
