import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';

/** Deletes counters of the PostgreSQL limiter store whose window ended (expire is epoch milliseconds). */
export async function deleteExpiredRateLimits(db: Db, now = Date.now()): Promise<number> {
  const result = await db
    .deleteFrom('rateLimits')
    .where('expire', '<', sql<string>`${now}::bigint`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Runs deleteExpiredRateLimits every `intervalMs` (rate-limiter-flexible's own hourly sweep is off: every
 * process would run it). Concurrent sweeps by several processes are harmless. Returns a stop function.
 */
export function startRateLimitCleanup(db: Db, options: { intervalMs: number; logger: Logger }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deleteExpiredRateLimits(db)
      .then((deleted) => {
        if (deleted > 0) options.logger.debug({ deleted }, 'expired rate-limit counters deleted');
      })
      .catch((error: unknown) => options.logger.warn({ err: error }, 'rate-limit counter cleanup failed'))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
