import { RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../platform/http/app-error.js';
import type { LimiterStore } from '../platform/rate-limit/limiter-store.js';

/** Counts attempts at a guessable secret (a TOTP code, a current password) per key, e.g. per user. */
export interface AttemptLimiter {
  /** Takes one attempt, atomically, before the secret is checked; throws 429 when none is left. */
  take(key: string): Promise<void>;
  /** Like `take`, but answers false instead of throwing when none is left. */
  tryTake(key: string): Promise<boolean>;
  /** Forgets the key's attempts after a success. */
  clear(key: string): Promise<void>;
}

/**
 * Every attempt is counted before it is checked, so parallel guesses cannot all slip past a "failures
 * so far" check. When the counter store is unreachable the attempt is refused (fail closed, ASVS
 * 16.5.3): a six-digit code must never be guessable without limit.
 */
export function createAttemptLimiter(
  store: LimiterStore,
  options: { keyPrefix: string; points: number; durationSeconds: number; blockSeconds?: number },
): AttemptLimiter {
  const limiter = store.create(options);
  return {
    async take(key) {
      try {
        await limiter.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          const minutes = Math.max(1, Math.ceil(error.msBeforeNext / 60_000));
          throw new AppError('rate_limited', `Too many attempts; try again in ${minutes} minute(s)`, {
            retryAfterSeconds: error.msBeforeNext / 1000,
          });
        }
        throw new AppError('service_unavailable', 'Try again shortly', { cause: error });
      }
    },
    async tryTake(key) {
      try {
        await this.take(key);
        return true;
      } catch (error) {
        if (error instanceof AppError && error.code === 'rate_limited') return false;
        throw error;
      }
    },
    async clear(key) {
      await limiter.delete(key);
    },
  };
}

export interface AccountLimiters {
  /** Second-factor codes per user: 5 per 15 minutes (a 6-digit code stays out of reach). */
  twoFactor: AttemptLimiter;
  /** Current-password checks when changing the password, per user. */
  password: AttemptLimiter;
  /** Verification and address-change mails, per user. */
  mail: AttemptLimiter;
  /** Reset requests per requester (client IP, IPv6 per /64) and address: over it, a 429. */
  resetPerRequester: AttemptLimiter;
  /**
   * Reset mails per address, in windows as long as a link lives: while it is full, a link mailed within
   * the window still works, so nobody is left without one (see requestPasswordReset).
   */
  resetPerAddress: AttemptLimiter;
  /** "You already have an account" mails per address (they carry no link: an earlier one says the same). */
  existingAccountMail: AttemptLimiter;
}

/** Reset links live 30 minutes; the per-address window must not be longer (see `resetPerAddress`). */
export const RESET_WINDOW_SECONDS = 30 * 60;

/** One set per application; limiters with the same prefix share their counters through the store. */
export function createAccountLimiters(store: LimiterStore): AccountLimiters {
  return {
    twoFactor: createAttemptLimiter(store, { keyPrefix: 'two-factor', points: 5, durationSeconds: 900 }),
    password: createAttemptLimiter(store, { keyPrefix: 'password-check', points: 5, durationSeconds: 900 }),
    mail: createAttemptLimiter(store, { keyPrefix: 'account-mail', points: 5, durationSeconds: 3_600 }),
    resetPerRequester: createAttemptLimiter(store, {
      keyPrefix: 'reset-requester',
      points: 3,
      durationSeconds: RESET_WINDOW_SECONDS,
    }),
    resetPerAddress: createAttemptLimiter(store, {
      keyPrefix: 'reset-address',
      points: 3,
      durationSeconds: RESET_WINDOW_SECONDS,
    }),
    existingAccountMail: createAttemptLimiter(store, {
      keyPrefix: 'existing-account-mail',
      points: 3,
      durationSeconds: 24 * 3_600,
    }),
  };
}
