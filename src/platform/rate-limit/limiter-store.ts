import { Redis } from 'ioredis';
import type pg from 'pg';
import { type RateLimiterAbstract, RateLimiterPostgres, RateLimiterRedis } from 'rate-limiter-flexible';

/**
 * Where counters live, shared by every process: PostgreSQL by default (table `rate_limits`, created by a
 * migration), Redis when REDIS_URL is set. Each limiter gets its own key prefix.
 */
export interface LimiterStore {
  create(options: {
    keyPrefix: string;
    points: number;
    durationSeconds: number;
    blockSeconds?: number;
  }): RateLimiterAbstract;
  close(): Promise<void>;
}

export function createLimiterStore(options: { pool: pg.Pool; redisUrl: string | undefined }): LimiterStore {
  if (options.redisUrl) {
    const redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    // Connection problems surface on each limiter call (and are handled there); never crash the process.
    redis.on('error', () => {});
    return {
      create: ({ keyPrefix, points, durationSeconds, blockSeconds }) =>
        new RateLimiterRedis({
          storeClient: redis,
          keyPrefix,
          points,
          duration: durationSeconds,
          blockDuration: blockSeconds ?? 0,
        }),
      close: async () => {
        redis.disconnect();
      },
    };
  }
  return {
    create: ({ keyPrefix, points, durationSeconds, blockSeconds }) =>
      new RateLimiterPostgres({
        storeClient: options.pool,
        storeType: 'pool',
        tableName: 'rate_limits',
        tableCreated: true,
        keyPrefix,
        points,
        duration: durationSeconds,
        blockDuration: blockSeconds ?? 0,
        clearExpiredByTimeout: false,
      }),
    close: async () => {},
  };
}
