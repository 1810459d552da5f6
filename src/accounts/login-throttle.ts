import { RateLimiterRes } from 'rate-limiter-flexible';
import { sha256 } from '../platform/crypto/tokens.js';
import { AppError } from '../platform/http/app-error.js';
import { ipLimiterKey } from '../platform/http/client-ip.js';
import type { LimiterStore } from '../platform/rate-limit/limiter-store.js';

/**
 * Brute-force control for password sign-in (ASVS 6.3.1). Failures are counted per account+IP and per IP,
 * never per account alone: an attacker elsewhere can exhaust only their own allowance, so the real user
 * still signs in from their own address. Per account+IP, `failuresBeforeBlock` consecutive failures block
 * that pair for `baseBlockSeconds`, doubling with each further block within `strikeWindowSeconds`, up to
 * `maxBlockSeconds`. Per IP (IPv6 per /64), `ipFailures` failures in `ipWindowSeconds` block the address.
 */
export interface LoginThrottlePolicy {
  failuresBeforeBlock: number;
  failureWindowSeconds: number;
  baseBlockSeconds: number;
  maxBlockSeconds: number;
  strikeWindowSeconds: number;
  ipFailures: number;
  ipWindowSeconds: number;
  ipBlockSeconds: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottlePolicy = {
  failuresBeforeBlock: 5,
  failureWindowSeconds: 24 * 3600,
  baseBlockSeconds: 60,
  maxBlockSeconds: 3600,
  strikeWindowSeconds: 24 * 3600,
  ipFailures: 100,
  ipWindowSeconds: 3600,
  ipBlockSeconds: 3600,
};

export interface LoginAttempt {
  retryAfterSeconds: number;
  /** This attempt's place among the consecutive attempts of the account+IP pair. */
  consecutive: number;
}

export interface LoginThrottle {
  /**
   * Counts an attempt before its password is checked (so parallel guesses cannot all pass a "failures so
   * far" check): `retryAfterSeconds` is how long the caller must wait, 0 when the attempt may go ahead.
   */
  begin(account: string, ip: string): Promise<LoginAttempt>;
  recordFailure(account: string, ip: string, attempt: LoginAttempt): Promise<void>;
  recordSuccess(account: string, ip: string): Promise<void>;
}

/**
 * Every store error becomes a 503: when the counters cannot be read or written, sign-in is refused
 * (fail closed, ASVS 16.5.3) rather than left open to unlimited guessing.
 */
export function createLoginThrottle(
  store: LimiterStore,
  policy: LoginThrottlePolicy = DEFAULT_LOGIN_THROTTLE,
  keyPrefix = 'login',
): LoginThrottle {
  const attempts = store.create({
    keyPrefix: `${keyPrefix}:pair`,
    points: policy.failuresBeforeBlock,
    durationSeconds: policy.failureWindowSeconds,
  });
  const strikes = store.create({
    keyPrefix: `${keyPrefix}:strike`,
    points: 1_000_000,
    durationSeconds: policy.strikeWindowSeconds,
  });
  const byIp = store.create({
    keyPrefix: `${keyPrefix}:ip`,
    points: policy.ipFailures,
    durationSeconds: policy.ipWindowSeconds,
  });
  // The account part is hashed: no addresses in the counter store, and a bounded key length.
  const pairKey = (account: string, ip: string) =>
    `${sha256(account).toString('base64url')}:${ipLimiterKey(ip)}`;
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  /** Resolves with the counter after this call whether or not it went over the limit. */
  const consume = (limiter: typeof attempts, key: string) =>
    limiter.consume(key).catch((error: unknown) => {
      if (error instanceof RateLimiterRes) return error;
      throw error;
    });

  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new AppError('service_unavailable', 'Sign-in is temporarily unavailable; retry later', {
        cause: error,
      });
    }
  };

  return {
    begin: (account, ip) =>
      guarded(async () => {
        const address = await byIp.get(ipLimiterKey(ip));
        if (address && address.consumedPoints > policy.ipFailures) {
          return { retryAfterSeconds: seconds(address.msBeforeNext), consecutive: 0 };
        }
        const pair = await consume(attempts, pairKey(account, ip));
        const blocked = pair.consumedPoints > policy.failuresBeforeBlock;
        // Over the limit before the block is written (parallel attempts), the window's end is no answer.
        const wait = Math.min(pair.msBeforeNext, policy.maxBlockSeconds * 1000);
        return {
          retryAfterSeconds: blocked ? seconds(wait) : 0,
          consecutive: pair.consumedPoints,
        };
      }),
    recordFailure: (account, ip, attempt) =>
      guarded(async () => {
        const key = pairKey(account, ip);
        const address = await consume(byIp, ipLimiterKey(ip));
        if (address.consumedPoints === policy.ipFailures) {
          await byIp.block(ipLimiterKey(ip), policy.ipBlockSeconds);
        }
        // Only the attempt that used the last allowance blocks, so parallel failures add one strike.
        if (attempt.consecutive !== policy.failuresBeforeBlock) return;
        const strike = await strikes.consume(key);
        const blockSeconds = Math.min(
          policy.maxBlockSeconds,
          policy.baseBlockSeconds * 2 ** Math.min(30, strike.consumedPoints - 1),
        );
        await attempts.block(key, blockSeconds);
      }),
    recordSuccess: (account, ip) =>
      guarded(async () => {
        const key = pairKey(account, ip);
        await Promise.all([attempts.delete(key), strikes.delete(key)]);
      }),
  };
}
