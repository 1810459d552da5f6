import { connect } from 'node:net';
import type { Config } from '../config/config.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * `up`, `down`, `degraded` (some circuit breakers open) or `not_configured`. Every dependency probed here
 * is optional: Leadline keeps serving without it (mail waits in its outbox, rate limits fall back, media
 * downloads retry), so `/ready` reports them without failing on them.
 */
export type DependencyState = 'up' | 'down' | 'degraded' | 'not_configured';

export interface DependencyStatus {
  readonly state: DependencyState;
  /** Circuit breakers only: how many are open in this process. */
  readonly open?: number;
}

export type DependencyProbe = () => Promise<Record<string, DependencyStatus>>;

const DEFAULT_PORTS: Record<string, number> = {
  'smtp:': 587,
  'smtps:': 465,
  'redis:': 6379,
  'rediss:': 6379,
  'http:': 80,
  'https:': 443,
};

/** Can a TCP connection be opened? Enough to tell "unreachable" without speaking the protocol. */
function reachable(url: string, timeoutMs: number): Promise<boolean> {
  const parsed = new URL(url);
  const port = Number(parsed.port) || DEFAULT_PORTS[parsed.protocol] || 0;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function openBreakers(metrics: Metrics, client: string): Promise<DependencyStatus> {
  const { values } = await metrics.circuitBreakersOpen.get();
  const open = values.find((v) => v.labels.client === client)?.value ?? 0;
  return { state: open > 0 ? 'degraded' : 'up', open };
}

/**
 * Probes the configured external dependencies, at most once per `cacheMs` (`/ready` is public: a flood
 * of it must not become a flood of connections to the mail server).
 */
export function createDependencyProbe(
  config: Config,
  metrics: Metrics,
  options: { timeoutMs?: number; cacheMs?: number } = {},
): DependencyProbe {
  const timeoutMs = options.timeoutMs ?? 1_500;
  const cacheMs = options.cacheMs ?? 10_000;
  let cached: { at: number; result: Promise<Record<string, DependencyStatus>> } | undefined;

  const probeUrl = async (url: string | undefined): Promise<DependencyStatus> =>
    url ? { state: (await reachable(url, timeoutMs)) ? 'up' : 'down' } : { state: 'not_configured' };

  const probe = async (): Promise<Record<string, DependencyStatus>> => {
    const [smtp, redis, s3, whatsapp, llm] = await Promise.all([
      probeUrl(config.mail.smtpUrl),
      probeUrl(config.redisUrl),
      probeUrl(config.media.s3?.endpoint),
      openBreakers(metrics, 'whatsapp'),
      openBreakers(metrics, 'llm'),
    ]);
    return { smtp, redis, s3, whatsapp_breakers: whatsapp, llm_breakers: llm };
  };

  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) cached = { at: now, result: probe() };
    return cached.result;
  };
}
