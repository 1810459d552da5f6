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

/** A process takes this share of a number's per-second slots at a time (at least one). */
const LEASE_SHARE = 8;

/** Slots this process took from the shared count and has not used yet, until the count's window ends. */
interface Lease {
  remaining: number;
  expiresAt: number;
}

/**
 * Meta caps each business number (80 messages/s by default, up to 1,000); exceeding it costs a 130429
 * and a retry. Counting ahead of the send, in PostgreSQL (or Redis with REDIS_URL) so every worker process
 * shares the count, keeps us under the channel's configured rate. A process takes slots an eighth of the
 * rate at a time (10 of 80) and hands them out itself until the count's window ends: the shared count never
 * exceeds the rate, and most sends cost no round trip (nor a wait on the count's row, which every send of
 * the number would otherwise update). Slots left unused when the window ends are lost, which only ever
 * sends less. When the store itself fails we send anyway: Meta's own limit (130429, retried) is the
 * backstop, and a store outage must not stop messaging.
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
  const leases = new Map<string, Lease>();
  return {
    async acquire(phoneNumberId, perSecond, signal) {
      const leaseKey = `${perSecond}:${phoneNumberId}`;
      const lease = leases.get(leaseKey);
      if (lease && lease.remaining > 0 && Date.now() < lease.expiresAt) {
        lease.remaining--;
        return;
      }
      const limiter = limiterFor(perSecond);
      const slots = Math.max(1, Math.floor(perSecond / LEASE_SHARE));
      const deadline = Date.now() + maxWaitMs;
      for (;;) {
        try {
          const taken = await limiter.consume(phoneNumberId, slots);
          if (slots > 1) {
            leases.set(leaseKey, { remaining: slots - 1, expiresAt: Date.now() + taken.msBeforeNext });
          }
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
