import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Cookie-authenticated state changes refused for a missing or wrong CSRF token or origin. */
  readonly csrfFailures: Counter;
  /** Requests answered 429, by rate-limit tier. */
  readonly rateLimited: Counter<'tier'>;
  /** Rate-limit checks that failed because the limiter store was unreachable, by tier. */
  readonly rateLimitStoreErrors: Counter<'tier'>;
  /** Call-back widget submissions by outcome (calling, scheduled, refused). */
  readonly callbackRequests: Counter<'outcome'>;
  /** Call-back submissions refused, by reason (verification_failed, special_number, too_many_requests...). */
  readonly callbackRefusals: Counter<'reason'>;
  /** Call-backs that reached a final state, by state (completed, business_no_answer, ...). */
  readonly callbackOutcomes: Counter<'status'>;
  /** Webhook deliveries refused for a missing or invalid signature. */
  readonly badWebhookSignatures: Counter<'provider'>;
  /** Password checks that failed (sign-in and re-authentication). */
  readonly failedLogins: Counter;
  /** Sign-in attempts refused by the brute-force throttle (account+IP or IP blocked). */
  readonly throttledLogins: Counter;
  /** WhatsApp webhook deliveries by outcome (stored, duplicate-only, unavailable, ...). */
  readonly webhookDeliveries: Counter<'outcome'>;
  /** Webhook items (messages, statuses) that could not be stored on their own; kept in the raw event. */
  readonly webhookItemsSkipped: Counter;
  /** Requests committed together by the webhook group commit. */
  readonly webhookBatchSize: Histogram;
  /** WhatsApp sends by outcome (accepted, retry, failed). */
  readonly whatsappSends: Counter<'outcome'>;
  /** Duration of WhatsApp Graph API calls by operation and outcome. */
  readonly graphApiDuration: Histogram<'operation' | 'outcome'>;
  /** LLM provider attempts by provider kind and outcome (ok, timeout, rate_limited, invalid_output, ...). */
  readonly llmCalls: Counter<'provider' | 'outcome'>;
  /** LLM turns answered by the built-in qualifier because a tenant budget was used up, by limit. */
  readonly llmBudgetExhausted: Counter<'limit'>;
  /** Agent replies replaced by the neutral "a quote is being prepared" line because they stated a price. */
  readonly llmPriceGuarded: Counter;
  /** Browser WebSockets of the live inbox open on this process. */
  readonly liveSockets: Gauge;
  /** Jobs moved to the dead-letter queue after their last attempt, by task. */
  readonly jobsDeadLettered: Counter<'task'>;
  /** Dead letters waiting for a replay or a discard, all tenants; set by worker processes after each sweep. */
  readonly jobsDeadLetters: Gauge;
  /** Live sockets closed because their unsent buffer outgrew the limit (slow clients). */
  readonly liveSlowClientsDropped: Counter;
  /** Circuit breakers open now, by client (whatsapp, llm): a provider this process has stopped calling. */
  readonly circuitBreakersOpen: Gauge<'client'>;
  /** Rows (and blobs) the retention job removed, by policy kind (messages, media, webhookEvents, ...). */
  readonly retentionRemoved: Counter<'kind'>;
}

/** One registry per application instance (tests build several apps in one process). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const csrfFailures = new Counter({
    name: 'leadline_csrf_failures_total',
    help: 'State-changing cookie requests refused for a missing or invalid CSRF token or origin',
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'leadline_rate_limited_total',
    help: 'Requests refused with 429 by rate-limit tier',
    labelNames: ['tier'],
    registers: [registry],
  });
  const rateLimitStoreErrors = new Counter({
    name: 'leadline_rate_limit_store_errors_total',
    help: 'Rate-limit checks that could not reach the limiter store, by tier',
    labelNames: ['tier'],
    registers: [registry],
  });
  const badWebhookSignatures = new Counter({
    name: 'leadline_bad_webhook_signatures_total',
    help: 'Webhook deliveries refused for a missing or invalid signature',
    labelNames: ['provider'],
    registers: [registry],
  });
  const failedLogins = new Counter({
    name: 'leadline_auth_failed_logins_total',
    help: 'Failed password checks at sign-in and re-authentication',
    registers: [registry],
  });
  const throttledLogins = new Counter({
    name: 'leadline_auth_throttled_total',
    help: 'Sign-in attempts refused by the brute-force throttle',
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'leadline_webhook_deliveries_total',
    help: 'WhatsApp webhook deliveries by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const webhookItemsSkipped = new Counter({
    name: 'leadline_webhook_items_skipped_total',
    help: 'Webhook messages or statuses not storable on their own (kept in the raw event)',
    registers: [registry],
  });
  const webhookBatchSize = new Histogram({
    name: 'leadline_webhook_batch_size',
    help: 'Webhook requests committed in one transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const whatsappSends = new Counter({
    name: 'leadline_whatsapp_sends_total',
    help: 'WhatsApp Graph API sends by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const graphApiDuration = new Histogram({
    name: 'leadline_graph_api_duration_seconds',
    help: 'WhatsApp Graph API call duration (retries included) by operation and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const llmCalls = new Counter({
    name: 'leadline_llm_calls_total',
    help: 'LLM provider attempts by provider kind and outcome',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const llmBudgetExhausted = new Counter({
    name: 'leadline_llm_budget_exhausted_total',
    help: 'Agent turns answered by the built-in qualifier because a tenant LLM budget was used up',
    labelNames: ['limit'],
    registers: [registry],
  });
  const llmPriceGuarded = new Counter({
    name: 'leadline_llm_price_guarded_total',
    help: 'Agent replies replaced by the neutral quote line because they stated a price while drafting',
    registers: [registry],
  });
  const liveSockets = new Gauge({
    name: 'leadline_live_sockets',
    help: 'Live inbox WebSockets open on this process',
    registers: [registry],
  });
  const liveSlowClientsDropped = new Counter({
    name: 'leadline_live_slow_clients_dropped_total',
    help: 'Live inbox WebSockets closed because their send buffer outgrew LIVE_MAX_BUFFERED_BYTES',
    registers: [registry],
  });
  const circuitBreakersOpen = new Gauge({
    name: 'leadline_circuit_breakers_open',
    help: 'Circuit breakers open now (calls to that provider endpoint skipped), by client',
    labelNames: ['client'],
    registers: [registry],
  });
  const callbackRequests = new Counter({
    name: 'leadline_callback_requests_total',
    help: 'Call-back widget submissions by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const callbackRefusals = new Counter({
    name: 'leadline_callback_refusals_total',
    help: 'Call-back widget submissions refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const callbackOutcomes = new Counter({
    name: 'leadline_callback_outcomes_total',
    help: 'Call-backs that reached a final state, by state',
    labelNames: ['status'],
    registers: [registry],
  });
  const jobsDeadLettered = new Counter({
    name: 'leadline_jobs_dead_lettered_total',
    help: 'Jobs that used up their attempts and were moved to the dead-letter queue, by task',
    labelNames: ['task'],
    registers: [registry],
  });
  const jobsDeadLetters = new Gauge({
    name: 'leadline_jobs_dead_letters',
    help: 'Dead-lettered jobs waiting for a replay or a discard (all workspaces; set by worker processes)',
    registers: [registry],
  });
  const retentionRemoved = new Counter({
    name: 'leadline_retention_removed_total',
    help: 'Rows and blobs removed by retention policies, by kind (audit: entries pseudonymised)',
    labelNames: ['kind'],
    registers: [registry],
  });
  return {
    registry,
    retentionRemoved,
    circuitBreakersOpen,
    callbackRequests,
    callbackRefusals,
    callbackOutcomes,
    jobsDeadLettered,
    jobsDeadLetters,
    llmCalls,
    llmBudgetExhausted,
    llmPriceGuarded,
    liveSockets,
    liveSlowClientsDropped,
    graphApiDuration,
    webhookDeliveries,
    webhookItemsSkipped,
    webhookBatchSize,
    whatsappSends,
    httpRequestDuration,
    failedLogins,
    throttledLogins,
    csrfFailures,
    rateLimited,
    rateLimitStoreErrors,
    badWebhookSignatures,
  };
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves /metrics on its own listener (loopback by default), away from the public port. */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
