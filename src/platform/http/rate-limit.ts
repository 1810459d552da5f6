import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/config.js';
import { sha256 } from '../crypto/tokens.js';
import type { Metrics } from '../metrics/metrics.js';
import type { LimiterStore } from '../rate-limit/limiter-store.js';
import { AppError } from './app-error.js';
import { ipLimiterKey } from './client-ip.js';

/**
 * Rate-limit tiers. A route picks one in `config.rateLimit`; routes under /api/v1 that pick none are
 * 'api'. Keys:
 * - `api`: the caller (API key id or user id), or the client IP when unauthenticated;
 * - `auth`, `public-form`: the client IP (IPv6 per /64);
 * - `webhook`: the route and its params (one channel's sender cannot starve another's).
 * When the store cannot be reached, `auth` fails closed (503: brute-force protection must not silently
 * vanish) and the other tiers fail open (a warning and a metric: losing leads or webhooks because a
 * counter is unreachable is worse than a minute without limits). ASVS 16.5.2 / 16.5.3.
 * On 'api' routes, answers 401 also count per client IP; an IP that used up its budget that way is refused
 * before authentication is even tried.
 */
export const RATE_LIMIT_TIERS = ['api', 'auth', 'public-form', 'webhook'] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RateLimitTier;
  }
}

const FAIL_CLOSED: ReadonlySet<RateLimitTier> = new Set(['auth']);
/** Tiers whose key does not depend on who the caller is: checked before authentication runs. */
const BEFORE_AUTH: ReadonlySet<RateLimitTier> = new Set(['auth', 'public-form', 'webhook']);

export interface RateLimitOptions {
  store: LimiterStore;
  limits: Config['rateLimits'];
  metrics: Metrics;
  /** Prefix of every counter key (tests use a unique one per run on a shared Redis). */
  keyPrefix?: string;
}

export function tierOf(request: FastifyRequest): RateLimitTier | undefined {
  if (request.is404) return undefined;
  const configured = request.routeOptions.config.rateLimit;
  if (configured) return configured;
  const url = request.routeOptions.url ?? '';
  return url === '/api/v1' || url.startsWith('/api/v1/') ? 'api' : undefined;
}

/** rate_limits.key is varchar(255): long keys (a 200-character route param) are hashed to fit. */
function bounded(key: string): string {
  return key.length <= 120 ? key : `sha256:${sha256(key).toString('base64url')}`;
}

function keyFor(tier: RateLimitTier, request: FastifyRequest): string {
  const ipKey = `ip:${ipLimiterKey(request.ip)}`;
  if (tier === 'webhook') {
    const params = Object.values((request.params ?? {}) as Record<string, unknown>).map(String);
    return params.length > 0 ? `route:${request.routeOptions.url}:${params.join('/')}` : ipKey;
  }
  if (tier === 'api') {
    const principal = request.principal;
    if (principal?.kind === 'api-key') return `key:${principal.apiKeyId}`;
    if (principal?.kind === 'session') return `user:${principal.userId}`;
  }
  return ipKey;
}

async function rateLimit(app: FastifyInstance, options: RateLimitOptions) {
  const prefix = options.keyPrefix ?? 'rl';
  const perMinute: Record<RateLimitTier, number> = {
    api: options.limits.apiPerMinute,
    auth: options.limits.authPerMinute,
    'public-form': options.limits.publicFormPerMinute,
    webhook: options.limits.webhookPerMinute,
  };
  const limiters = Object.fromEntries(
    RATE_LIMIT_TIERS.map((tier) => [
      tier,
      // The webhook tier counts in process memory: every delivery of a channel hits the same key, and a
      // shared counter would serialise all of them on one row lock and a commit each (it capped webhook
      // ingest at a few hundred requests per second). Its purpose, one channel not starving another of
      // this process's capacity, is a per-process concern anyway.
      tier === 'webhook'
        ? new RateLimiterMemory({ keyPrefix: `${prefix}:${tier}`, points: perMinute[tier], duration: 60 })
        : options.store.create({
            keyPrefix: `${prefix}:${tier}`,
            points: perMinute[tier],
            durationSeconds: 60,
          }),
    ]),
  ) as Record<RateLimitTier, RateLimiterAbstract>;
  // Requests refused as unauthenticated on 'api' routes, per client IP: a flood of made-up keys or
  // cookies would otherwise never reach the per-caller counter, which needs a caller.
  const failedAuth = options.store.create({
    keyPrefix: `${prefix}:api-unauthenticated`,
    points: perMinute.api,
    durationSeconds: 60,
  });

  const check = async (request: FastifyRequest, reply: FastifyReply, tier: RateLimitTier) => {
    const limit = perMinute[tier];
    let result: RateLimiterRes;
    try {
      result = await limiters[tier].consume(bounded(keyFor(tier, request)));
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        setHeaders(reply, limit, error);
        reply.header('retry-after', String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
        options.metrics.rateLimited.inc({ tier });
        request.log.warn({ tier, route: request.routeOptions.url }, 'rate limit exceeded');
        throw new AppError('rate_limited', 'Too many requests; retry later');
      }
      options.metrics.rateLimitStoreErrors.inc({ tier });
      if (FAIL_CLOSED.has(tier)) {
        request.log.error({ err: error, tier }, 'rate-limit store unavailable; refusing (fail closed)');
        throw new AppError('service_unavailable', 'Temporarily unavailable; retry later', { cause: error });
      }
      request.log.warn({ err: error, tier }, 'rate-limit store unavailable; allowing (fail open)');
      return;
    }
    setHeaders(reply, limit, result);
  };

  // Registered before the access check, so brute force against sign-in is counted even when it fails.
  app.addHook('onRequest', async (request, reply) => {
    const tier = tierOf(request);
    if (tier && BEFORE_AUTH.has(tier)) await check(request, reply, tier);
    if (tier === 'api') await refuseAfterFailedAuth(request, reply);
  });
  // onSend, not onResponse: counted before the client sees the 401 and can try again.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401 && tierOf(request) === 'api') {
      // Refused or unreachable: either way nothing more to do for a request already answered 401.
      await failedAuth.consume(bounded(`ip:${ipLimiterKey(request.ip)}`)).catch(() => {});
    }
    return payload;
  });

  const refuseAfterFailedAuth = async (request: FastifyRequest, reply: FastifyReply) => {
    let result: RateLimiterRes | null;
    try {
      result = await failedAuth.get(bounded(`ip:${ipLimiterKey(request.ip)}`));
    } catch {
      // Fail open; the tier's own check right after reports the outage (once per request).
      return;
    }
    if (result && result.consumedPoints >= perMinute.api) {
      setHeaders(reply, perMinute.api, result);
      reply.header('retry-after', String(Math.max(1, Math.ceil(result.msBeforeNext / 1000))));
      options.metrics.rateLimited.inc({ tier: 'api' });
      request.log.warn({ tier: 'api', route: request.routeOptions.url }, 'too many unauthenticated requests');
      throw new AppError('rate_limited', 'Too many requests; retry later');
    }
  };
  // After every onRequest hook (the access check among them): the caller is known, the body not yet read.
  app.addHook('preParsing', async (request, reply) => {
    const tier = tierOf(request);
    if (tier && !BEFORE_AUTH.has(tier)) await check(request, reply, tier);
  });
}

function setHeaders(reply: FastifyReply, limit: number, result: RateLimiterRes): void {
  reply.header('x-ratelimit-limit', String(limit));
  reply.header('x-ratelimit-remaining', String(Math.max(0, result.remainingPoints)));
  reply.header('x-ratelimit-reset', String(Math.max(0, Math.ceil(result.msBeforeNext / 1000))));
}

export const rateLimitPlugin = fp(rateLimit, { name: 'rate-limit' });
