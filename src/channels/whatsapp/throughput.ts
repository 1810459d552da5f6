import { setTimeout as sleep } from 'node:timers/promises';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../platform/logging/logger.js';
import type { LimiterStore } from '../../platform/rate-limit/limiter-store.js';

export interface Throughput {
  /**
   * Waits until one more message may leave `phoneNumberId` within `perSecond`, counted across every
   * process through the shared limiter store. Gives up (throws) after `maxWaitMs`.
   */
  acquire(phoneNumberId: string, perSecond: number, signal?: AbortSignal): Promise<void>;
}

export class ThroughputWaitExceeded extends Error {
  constructor() {
    super('throughput cap: waited too long for a sending slot');
    this.name = 'ThroughputWaitExceeded';
  }
}

/**
 * Meta caps each business number (80 messages/s by default, up to 1,000); exceeding it costs a 130429
 * and a retry. Counting ahead of the send, in PostgreSQL (or Redis with REDIS_URL) so every worker process
 * shares the count, keeps us under the channel's configured rate. When the store itself fails we send
 * anyway: Meta's own limit (130429, retried) is the backstop, and a store outage must not stop messaging.
 */
export function createThroughput(options: {
  store: LimiterStore;
  logger: Logger;
  maxWaitMs?: number;
}): Throughput {
  const limiters = new Map<number, RateLimiterAbstract>();
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const limiterFor = (perSecond: number) => {
    let limiter = limiters.get(perSecond);
    if (!limiter) {
      // Keyed by rate too: changing a channel's rate starts a fresh window rather than reinterpreting counts.
      limiter = options.store.create({
        keyPrefix: `wa-mps-${perSecond}`,
        points: perSecond,
        durationSeconds: 1,
      });
      limiters.set(perSecond, limiter);
    }
    return limiter;
  };
  return {
    async acquire(phoneNumberId, perSecond, signal) {
      const limiter = limiterFor(perSecond);
      const deadline = Date.now() + maxWaitMs;
      for (;;) {
        try {
          await limiter.consume(phoneNumberId, 1);
          return;
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) {
            options.logger.warn({ err: rejection }, 'throughput limiter unavailable; sending without it');
            return;
          }
          const wait = Math.max(rejection.msBeforeNext, 5);
          if (Date.now() + wait > deadline) throw new ThroughputWaitExceeded();
          await sleep(wait, undefined, { signal });
        }
      }
    },
  };
}
