import { setTimeout as sleep } from 'node:timers/promises';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../platform/logging/logger.js';
import type { LimiterStore } from '../../platform/rate-limit/limiter-store.js';
import { bulkShare } from '../channel-adapter.js';

/** A conversational send may use every slot; a bulk (campaign) send only the bulk share of each window. */
export type SendPriority = 'conversation' | 'bulk';

export interface Throughput {
  /**
   * Waits until one more message may leave `phoneNumberId` within `perSecond`, counted across every
   * process through the shared limiter store. Gives up (throws) after `maxWaitMs`.
   */
  acquire(
    phoneNumberId: string,
    perSecond: number,
    signal?: AbortSignal,
    priority?: SendPriority,
  ): Promise<void>;
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
 * The share of the rate the pacer lets out: with its burst of two, any one second then holds at most the
 * rate (2 + 0.97 x 80 < 80), with a little room for the way to Meta, and a saturated number still sends at
 * 97 % of its rate.
 */
const PACED_SHARE = 0.97;

interface PaceWaiter {
  priority: SendPriority;
  resolve(): void;
  reject(reason: unknown): void;
}

/**
 * One number's sends in this process, let out evenly: a token bucket at PACED_SHARE of the rate holding at
 * most two tokens (one below 40/s), so no second holds more than the rate however the shared count's
 * windows fall. Conversational sends wait ahead of bulk ones.
 */
function createPacer(perSecond: number) {
  const perMs = (perSecond * PACED_SHARE) / 1000;
  const burst = perSecond >= 40 ? 2 : 1;
  let tokens = burst;
  let refilledAt = Date.now();
  const queue: PaceWaiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  const drain = () => {
    timer = undefined;
    const now = Date.now();
    tokens = Math.min(burst, tokens + (now - refilledAt) * perMs);
    refilledAt = now;
    while (queue.length > 0 && tokens >= 1) {
      tokens -= 1;
      queue.shift()?.resolve();
    }
    if (queue.length > 0) timer = setTimeout(drain, Math.max(1, Math.ceil((1 - tokens) / perMs)));
  };
  return {
    take(priority: SendPriority, signal: AbortSignal | undefined): Promise<void> {
      signal?.throwIfAborted();
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index !== -1) queue.splice(index, 1);
          reject(signal?.reason);
        };
        const waiter: PaceWaiter = {
          priority,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          reject,
        };
        const firstBulk = priority === 'conversation' ? queue.findIndex((w) => w.priority === 'bulk') : -1;
        queue.splice(firstBulk === -1 ? queue.length : firstBulk, 0, waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (!timer) drain();
      });
    },
  };
}

/**
 * Meta caps each business number (80 messages/s by default, up to 1,000); exceeding it costs a 130429
 * and a retry. Counting ahead of the send, in PostgreSQL (or Redis with REDIS_URL) so every worker process
 * shares the count, keeps us under the channel's configured rate. A bulk sender takes slots an eighth of the
 * bulk share at a time (8 of 70) and the process hands them out itself until the count's window ends: most
 * campaign sends cost no round trip (nor a wait on the count's row); one take is in flight per number and
 * process, the other senders wait for its lease instead of racing it. Slots left unused when the window ends
 * are lost, which only ever sends less. When the store itself fails we send anyway: Meta's own limit
 * (130429, retried) is the backstop, and a store outage must not stop messaging.
 *
 * Campaigns share the count with conversations (one bucket per number) but at a lower priority: a bulk
 * send takes a slot only while the window's count is below the bulk share (70 of 80), so the rest is always
 * there for a conversational reply, which takes its single slot (ADR 0039).
 *
 * The count is kept in one-second windows, which says nothing of where in its window a slot is used: a
 * window's sends at its end and the next one's at its start would make a second of twice the rate. So the
 * slot is then paced in the process (`createPacer`, ADR 0051): evenly, replies ahead of campaign sends.
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
  /** The take from the shared count in progress per lease key: concurrent senders wait for it, not race. */
  const taking = new Map<string, Promise<void>>();
  const pacers = new Map<string, ReturnType<typeof createPacer>>();

  /** One take from the shared count: slots beyond the caller's own become the process's lease. */
  const take = async (
    phoneNumberId: string,
    perSecond: number,
    priority: SendPriority,
    leaseKey: string,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    const limiter = limiterFor(perSecond);
    // Bulk sends stop at their share of each window: the rest is kept for conversational replies.
    const cap = priority === 'bulk' ? bulkShare(perSecond) : perSecond;
    // A conversational send takes its one slot: a lease of several could find the window too full for it
    // while the slot it needs is there (and a reply would wait for the next window).
    const wanted = priority === 'bulk' ? Math.max(1, Math.floor(cap / LEASE_SHARE)) : 1;
    for (;;) {
      try {
        if (priority === 'bulk') {
          const counted = await limiter.get(phoneNumberId);
          if (counted && counted.consumedPoints >= cap) {
            throw new RateLimiterRes(0, Math.max(counted.msBeforeNext, 1), counted.consumedPoints);
          }
        }
        const taken = await limiter.consume(phoneNumberId, wanted);
        let slots = wanted;
        const over = priority === 'bulk' ? taken.consumedPoints - cap : 0;
        if (over > 0) {
          // Another process's take crossed into the reserve: hand those slots back.
          const back = Math.min(over, slots);
          await limiter.reward(phoneNumberId, back);
          slots -= back;
          if (slots === 0) throw new RateLimiterRes(0, Math.max(taken.msBeforeNext, 1), cap);
        }
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
  };

  return {
    async acquire(phoneNumberId, perSecond, signal, priority = 'conversation') {
      await counted(phoneNumberId, perSecond, signal, priority);
      const paceKey = `${perSecond}:${phoneNumberId}`;
      let pacer = pacers.get(paceKey);
      if (!pacer) {
        pacer = createPacer(perSecond);
        pacers.set(paceKey, pacer);
      }
      await pacer.take(priority, signal);
    },
  };

  /** A slot from the shared count (every process's sends of the number). */
  async function counted(
    phoneNumberId: string,
    perSecond: number,
    signal: AbortSignal | undefined,
    priority: SendPriority,
  ): Promise<void> {
    const leaseKey = `${priority}:${perSecond}:${phoneNumberId}`;
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const lease = leases.get(leaseKey);
      if (lease && lease.remaining > 0 && Date.now() < lease.expiresAt) {
        lease.remaining--;
        return;
      }
      const inProgress = taking.get(leaseKey);
      if (inProgress) {
        // Its lease (or its wait for the next window) serves this send too; a failed take is the
        // taker's to report, this one tries again.
        await inProgress.catch(() => {});
        if (Date.now() > deadline) throw new ThroughputWaitExceeded();
        signal?.throwIfAborted();
        continue;
      }
      const mine = take(phoneNumberId, perSecond, priority, leaseKey, deadline, signal);
      taking.set(leaseKey, mine);
      try {
        return await mine;
      } finally {
        taking.delete(leaseKey);
      }
    }
  }
}
