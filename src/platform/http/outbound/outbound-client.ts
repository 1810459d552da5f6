import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isTaskCancelledError,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { Agent, type Dispatcher, errors as undiciErrors } from 'undici';
import type { Config } from '../../config/config.js';
import type { BreakerListener } from '../../metrics/breaker-gauge.js';
import { reportBreaker } from '../../metrics/breaker-gauge.js';
import { retryAfterBackoff } from './backoff.js';
import { neverConnected, OutboundError, parseRetryAfter } from './errors.js';
import { guardedConnector, hostKey } from './ssrf-guard.js';

export interface OutboundClientOptions {
  connectTimeoutMs: number;
  /** Per attempt: from sending the request to the last body byte. */
  timeoutMs: number;
  /** `host:port` endpoints exempt from the SSRF guard (development and tests only; doctor refuses it in production). */
  allowPrivateHosts?: readonly string[];
  /**
   * In-call retries after the first try; `maxRetryAfterMs` is the longest Retry-After waited for in the
   * call (a longer one fails fast, for a job to retry later).
   */
  retry?: { maxRetries: number; initialDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number };
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** Told when a keyed breaker opens or closes (the open-breakers gauge). */
  onBreakerChange?: BreakerListener;
}

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Untrusted destination (e.g. a media URL): HTTPS only and the SSRF guard on every connection. */
  guarded?: boolean;
  /** Requests sharing a key share a circuit breaker (e.g. one per channel); none without a key. */
  breakerKey?: string;
  /** Response bodies larger than this are refused, by Content-Length and while reading. */
  maxBytes: number;
  /** Whether a non-2xx answer is worth retrying; default 429 and 5xx. */
  isRetryable?: (status: number, body: Buffer) => boolean;
  /** In-call retries after the first try; defaults to the client's retry.maxRetries. 0 = a single try. */
  retries?: number;
  /**
   * Not idempotent (a WhatsApp send): retried in the call only after failures that prove the server did
   * not act on it (an error answer deemed retryable, or no connection at all), never after a timeout or
   * a connection lost mid-request.
   */
  retryOnlyUnsent?: boolean;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface OutboundClient {
  /** Sends a request; a 2xx answer resolves, anything else throws an OutboundError. */
  request(request: OutboundRequest): Promise<OutboundResponse>;
  /** The state of a key's breaker, for health views and tests. */
  circuitState(key: string): 'closed' | 'open' | 'half-open' | 'isolated';
  close(): Promise<void>;
}

const DEFAULT_RETRY = { maxRetries: 3, initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 10_000 };
const DEFAULT_BREAKER = { consecutiveFailures: 5, halfOpenAfterMs: 30_000 };
const STATE_NAMES = ['closed', 'open', 'half-open', 'isolated'] as const;

/** Failures that say the other side is down (not that it refused us): these open a breaker. */
function isOutage(error: Error): boolean {
  if (!(error instanceof OutboundError)) return false;
  const { failure, details } = error;
  return (
    failure === 'timeout' ||
    failure === 'connection' ||
    (failure === 'http_status' && (details.status ?? 0) >= 500)
  );
}

const defaultRetryable = (status: number) => status === 429 || status >= 500;

/**
 * The one outbound HTTP client every provider client uses: undici with connect/headers/body timeouts,
 * no redirects (undici follows none unless asked; a 3xx is an error here), a response size cap, per-key
 * circuit breakers, in-call retries with exponential backoff and jitter that honour Retry-After, and the
 * SSRF guard for untrusted destinations. Errors name the host only.
 */
export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const allowPrivateHosts = new Set((options.allowPrivateHosts ?? []).map((entry) => entry.toLowerCase()));
  const agentOptions = { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
  const trusted = new Agent({ ...agentOptions, connect: { timeout: options.connectTimeoutMs } });
  const guarded = new Agent({
    ...agentOptions,
    connect: guardedConnector({ connectTimeoutMs: options.connectTimeoutMs, allowPrivateHosts }),
  });
  const retryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const breakerOptions = { ...DEFAULT_BREAKER, ...options.breaker };
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const attemptTimeout = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);

  const breakerFor = (key: string) => {
    let breaker = breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(isOutage), {
        halfOpenAfter: breakerOptions.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerOptions.consecutiveFailures),
      });
      breakers.set(key, breaker);
      reportBreaker(breaker, key, options.onBreakerChange);
    }
    return breaker;
  };

  async function attempt(request: OutboundRequest, url: URL): Promise<OutboundResponse> {
    try {
      return await attemptTimeout.execute(
        ({ signal }) => send(request.guarded ? guarded : trusted, request, url, signal),
        request.signal,
      );
    } catch (error) {
      if (isTaskCancelledError(error) || error instanceof TaskCancelledError) {
        throw new OutboundError('timeout', `request to ${url.host} timed out`, {
          retryable: true,
          cause: error,
        });
      }
      throw error;
    }
  }

  return {
    async request(request) {
      const url = checkedUrl(request, allowPrivateHosts);
      const once = () =>
        request.breakerKey
          ? breakerFor(request.breakerKey).execute(() => attempt(request, url))
          : attempt(request, url);
      // cockatiel's maxAttempts counts retries, not tries.
      const maxAttempts = request.retries ?? retryOptions.maxRetries;
      const policy = retry(
        handleWhen(
          (error) =>
            error instanceof OutboundError &&
            error.retryable &&
            error.failure !== 'circuit_open' &&
            !(request.retryOnlyUnsent && error.outcomeUnknown) &&
            (error.details.retryAfterMs ?? 0) <= retryOptions.maxRetryAfterMs,
        ),
        { maxAttempts, backoff: retryAfterBackoff(retryOptions) },
      );
      try {
        return await policy.execute(async () => {
          try {
            return await once();
          } catch (error) {
            if (error instanceof BrokenCircuitError) {
              throw new OutboundError('circuit_open', `circuit open for ${url.host}`, {
                retryable: true,
                notSent: true,
                cause: error,
              });
            }
            throw error;
          }
        }, request.signal);
      } catch (error) {
        if (error instanceof OutboundError) throw error;
        throw new OutboundError('connection', `request to ${url.host} failed`, {
          retryable: true,
          cause: error,
        });
      }
    },
    circuitState(key) {
      const breaker = breakers.get(key);
      return breaker ? STATE_NAMES[breaker.state] : 'closed';
    },
    async close() {
      await Promise.all([trusted.close(), guarded.close()]);
    },
  };
}

function checkedUrl(request: OutboundRequest, allowPrivateHosts: ReadonlySet<string>): URL {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (error) {
    throw new OutboundError('refused_address', 'refused an unreadable URL', {
      retryable: false,
      cause: error,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OutboundError('refused_address', `refused the ${url.protocol} scheme`, { retryable: false });
  }
  // Allow-listed development endpoints may be plain HTTP (the test fakes); everything guarded is HTTPS.
  if (
    request.guarded &&
    url.protocol !== 'https:' &&
    !allowPrivateHosts.has(hostKey(url.hostname, url.port, url.protocol))
  ) {
    throw new OutboundError('refused_address', `refused plain HTTP to ${url.host}`, { retryable: false });
  }
  if (url.username || url.password) {
    throw new OutboundError('refused_address', 'refused credentials in a URL', { retryable: false });
  }
  return url;
}

async function send(
  dispatcher: Dispatcher,
  request: OutboundRequest,
  url: URL,
  signal: AbortSignal,
): Promise<OutboundResponse> {
  let response: Dispatcher.ResponseData;
  try {
    response = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
    });
  } catch (error) {
    throw toOutboundError(error, url);
  }
  const { statusCode: status, headers } = response;
  if (status >= 300 && status < 400) {
    await response.body.dump().catch(() => undefined);
    throw new OutboundError('redirect_refused', `refused a redirect from ${url.host}`, {
      retryable: false,
      status,
    });
  }
  const body = await readCapped(response, request.maxBytes, url, signal);
  if (status >= 200 && status < 300) return { status, headers, body };
  const isRetryable = request.isRetryable ?? defaultRetryable;
  throw new OutboundError('http_status', `${url.host} answered ${status}`, {
    retryable: isRetryable(status, body),
    status,
    retryAfterMs: parseRetryAfter(headers['retry-after']),
    body,
  });
}

async function readCapped(
  response: Dispatcher.ResponseData,
  maxBytes: number,
  url: URL,
  signal: AbortSignal,
): Promise<Buffer> {
  const tooLarge = () =>
    new OutboundError('too_large', `response from ${url.host} exceeds ${maxBytes} bytes`, {
      retryable: false,
    });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    if (signal.aborted) throw error;
    throw toOutboundError(error, url);
  }
  return Buffer.concat(chunks);
}

function toOutboundError(error: unknown, url: URL): OutboundError | unknown {
  if (error instanceof OutboundError) return error;
  // The guard's refusal surfaces wrapped by net/undici; find it.
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof OutboundError) return cause;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new OutboundError('timeout', `request to ${url.host} timed out`, {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new OutboundError('timeout', `connecting to ${url.host} timed out`, {
      retryable: true,
      notSent: true,
      cause: error,
    });
  }
  if ((error as { name?: string })?.name === 'AbortError' || isTaskCancelledError(error)) return error;
  return new OutboundError('connection', `request to ${url.host} failed`, {
    retryable: true,
    notSent: neverConnected(error),
    cause: error,
  });
}

/** An outbound client with the configured timeouts and private-host exemptions, plus a caller's own options. */
export function configuredOutboundClient(
  config: Pick<Config, 'outbound'>,
  options: Omit<OutboundClientOptions, 'connectTimeoutMs' | 'timeoutMs' | 'allowPrivateHosts'> = {},
): OutboundClient {
  return createOutboundClient({
    connectTimeoutMs: config.outbound.connectTimeoutMs,
    timeoutMs: config.outbound.timeoutMs,
    allowPrivateHosts: config.outbound.allowPrivateHosts,
    ...options,
  });
}
