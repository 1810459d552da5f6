import path from 'node:path';
import { DEFAULT_LLM_PRICES } from './llm-prices.js';
import type { TEnvironment } from './schema.js';

export type SecretSource = 'environment' | 'generated';

/** The parsed, frozen configuration every module receives as an argument. */
export interface Config {
  readonly env: TEnvironment['NODE_ENV'];
  readonly dataDir: string;
  readonly secretKey: string;
  /** Earlier master keys: values sealed under them still open (rotation); nothing new is sealed with them. */
  readonly previousSecretKeys: readonly string[];
  readonly secretKeySource: SecretSource;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
    readonly bodyLimitBytes: number;
    readonly jsonMaxDepth: number;
    readonly maxHeaderBytes: number;
    readonly requestTimeoutMs: number;
  };
  readonly database: {
    /** Owner connection (runs migrations). Absent: Leadline runs its embedded PostgreSQL. */
    readonly url: string | undefined;
    /** Runtime connection for a non-owner login role. */
    readonly appUrl: string | undefined;
    readonly poolSize: number;
    readonly embeddedPort: number;
  };
  readonly log: { readonly level: TEnvironment['LOG_LEVEL'] };
  readonly metrics: { readonly host: string; readonly port: number; readonly token: string | undefined };
  /** The instance operator's API token (workspace plans); undefined: the operator API is not served. */
  readonly operatorApiToken: string | undefined;
  readonly worker: {
    readonly concurrency: number;
    /** Jobs of the outbound lane (sends, campaign dispatchers) at once: they wait on providers, not the CPU. */
    readonly outboundConcurrency: number;
    readonly pollIntervalMs: number;
    readonly staleAfterSeconds: number;
  };
  readonly shutdownTimeoutMs: number;
  readonly accounts: {
    readonly openSignup: boolean;
    readonly sessionIdleTimeoutMs: number;
    readonly sessionAbsoluteTimeoutMs: number;
    readonly reauthWindowMs: number;
    readonly apiKeyRotationGraceMs: number;
  };
  readonly mail: {
    readonly smtpUrl: string | undefined;
    readonly from: string;
    /** Where Leadline's own mail goes: SMTP, Postmark's e-mail API, or the local outbox. */
    readonly transport: 'smtp' | 'postmark' | 'outbox';
    readonly postmark: {
      readonly apiUrl: string;
      readonly serverToken: string | undefined;
      readonly messageStream: string;
    };
  };
  readonly lemlist: {
    /** Lemlist's API (a local fake in tests); trusted: set by the operator, never by a tenant. */
    readonly apiUrl: string;
  };
  readonly redisUrl: string | undefined;
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed. */
  readonly trustProxy: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly rateLimits: {
    readonly apiPerMinute: number;
    readonly authPerMinute: number;
    readonly publicFormPerMinute: number;
    readonly webhookPerMinute: number;
    /** Webhook requests per client IP that name no channel (per process): probing costs no queries. */
    readonly webhookUnknownPerMinute: number;
  };
  readonly whatsapp: {
    /** Meta's Graph API (a local fake in tests); trusted: set by the operator, never by a tenant. */
    readonly graphApiUrl: string;
    readonly graphApiVersion: string;
    readonly appSecretGraceMs: number;
    /** How long a webhook waits for others to share its transaction (group commit). */
    readonly webhookBatchWindowMs: number;
    /** How long a send in doubt waits for a status callback naming it before it is sent again (ADR 0018). */
    readonly inDoubtWaitSeconds: number;
  };
  readonly twilio: {
    /** Twilio's REST API (a local fake in tests); trusted: set by the operator, never by a tenant. */
    readonly apiUrl: string;
    /** How long an SMS send in doubt waits for a status callback naming it before it is sent again. */
    readonly smsInDoubtWaitSeconds: number;
  };
  readonly hubspot: {
    /** HubSpot's API (a local fake in tests); trusted: set by the operator, never by a tenant. */
    readonly apiUrl: string;
  };
  readonly callbacks: {
    /** ALTCHA work: counters are drawn below this, so solving tries half of it on average. */
    readonly altchaMaxCounter: number;
    readonly altchaExpiresSeconds: number;
    /** Call-back requests one client IP (IPv6 per /64) may make per hour, across widgets. */
    readonly perIpPerHour: number;
    /** How long an agent's phone rings before the business leg counts as not answered. */
    readonly ringSeconds: number;
  };
  readonly outbound: {
    readonly connectTimeoutMs: number;
    readonly timeoutMs: number;
    /** host:port endpoints exempt from the SSRF guard; development and tests only. */
    readonly allowPrivateHosts: readonly string[];
  };
  readonly leadSources: {
    readonly phantombusterApiUrl: string;
    /** Hosts (or host:port) a Phantombuster result file may be downloaded from. */
    readonly phantombusterResultHosts: readonly string[];
  };
  readonly enrichment: {
    readonly hunterApiUrl: string;
    /** Unset: no workspace can enrich (the settings page says so). */
    readonly hunterApiKey: string | undefined;
  };
  readonly llm: {
    /** USD per million input/output tokens by model name; "*" prices models not listed. */
    readonly prices: Readonly<Record<string, { readonly input: number; readonly output: number }>>;
    /** host:port of private model servers a tenant's base URL may name (the SSRF guard lets them through). */
    readonly privateHosts: readonly string[];
    /** Default per-attempt timeout; a provider's own setting may shorten it. */
    readonly timeoutMs: number;
    readonly maxRetries: number;
    /** A provider asking to wait longer than this is skipped for the next one instead. */
    readonly maxRetryAfterMs: number;
    readonly breakerFailures: number;
    readonly breakerHalfOpenMs: number;
  };
  readonly live: {
    /** A socket with more unsent bytes than this is a slow client: closed (4008) so it resyncs. */
    readonly maxBufferedBytes: number;
    /** How often an open socket's session is checked again (signed out, disabled, role changed). */
    readonly sessionRecheckMs: number;
  };
  readonly media: {
    readonly maxBytes: number;
    readonly blobDir: string;
    /** Set: blobs go to this S3-compatible bucket instead of blobDir. */
    readonly s3: S3BlobConfig | undefined;
  };
  readonly backups: {
    /** BACKUP_KEY as given (decode with backupKeyBytes); unset: backup commands refuse to run. */
    readonly key: string | undefined;
    readonly directory: string;
    /** Cron pattern of scheduled backups run by the worker; undefined: none. */
    readonly schedule: string | undefined;
    readonly keep: { readonly daily: number; readonly weekly: number };
  };
  readonly retention: {
    /** Rows per transaction of the daily retention job. */
    readonly batchSize: number;
    /** Share of wall time (0–1] the retention job spends removing; it rests the remainder between batches. */
    readonly workShare: number;
  };
  readonly dashboard: {
    /** Whether /assets/*.map is served: it publishes the page's source, so off in production by default. */
    readonly sourceMaps: boolean;
  };
  readonly observability: {
    /** OTLP/HTTP endpoint (traces go to <endpoint>/v1/traces); unset: no tracing SDK is loaded. */
    readonly otlpEndpoint: string | undefined;
    readonly serviceName: string;
    /** Sentry DSN; unset: no Sentry SDK is loaded. */
    readonly sentryDsn: string | undefined;
  };
}

export function toConfig(env: TEnvironment, secretKey: string, secretKeySource: SecretSource): Config {
  const config: Config = {
    env: env.NODE_ENV,
    dataDir: path.resolve(env.DATA_DIR),
    secretKey,
    previousSecretKeys: env.SECRET_KEY_PREVIOUS,
    secretKeySource,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicUrl: (env.PUBLIC_URL ?? `http://${displayHost(env.HOST)}:${env.PORT}`).replace(/\/+$/, ''),
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      jsonMaxDepth: env.JSON_MAX_DEPTH,
      maxHeaderBytes: env.HTTP_MAX_HEADER_BYTES,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    },
    database: {
      url: env.DATABASE_URL,
      appUrl: env.DATABASE_APP_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
    },
    log: { level: env.LOG_LEVEL },
    metrics: { host: env.METRICS_HOST, port: env.METRICS_PORT, token: env.METRICS_TOKEN },
    operatorApiToken: env.OPERATOR_API_TOKEN,
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      outboundConcurrency: env.WORKER_OUTBOUND_CONCURRENCY,
      pollIntervalMs: env.WORKER_POLL_INTERVAL_MS,
      staleAfterSeconds: env.WORKER_STALE_AFTER_SECONDS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    accounts: {
      openSignup: env.OPEN_SIGNUP,
      sessionIdleTimeoutMs: env.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
      sessionAbsoluteTimeoutMs: env.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3_600_000,
      reauthWindowMs: env.REAUTH_WINDOW_MINUTES * 60_000,
      apiKeyRotationGraceMs: env.API_KEY_ROTATION_GRACE_HOURS * 3_600_000,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      transport: env.MAIL_TRANSPORT ?? (env.SMTP_URL ? 'smtp' : 'outbox'),
      postmark: {
        apiUrl: env.POSTMARK_API_URL.replace(/\/+$/, ''),
        serverToken: env.POSTMARK_SERVER_TOKEN,
        messageStream: env.POSTMARK_MESSAGE_STREAM,
      },
    },
    lemlist: { apiUrl: env.LEMLIST_API_URL.replace(/\/+$/, '') },
    redisUrl: env.REDIS_URL,
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    rateLimits: {
      apiPerMinute: env.RATE_LIMIT_API_PER_MINUTE,
      authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE,
      publicFormPerMinute: env.RATE_LIMIT_PUBLIC_FORM_PER_MINUTE,
      webhookPerMinute: env.RATE_LIMIT_WEBHOOK_PER_MINUTE,
      webhookUnknownPerMinute: env.RATE_LIMIT_WEBHOOK_UNKNOWN_PER_MINUTE,
    },
    whatsapp: {
      graphApiUrl: env.WHATSAPP_GRAPH_API_URL.replace(/\/+$/, ''),
      graphApiVersion: env.WHATSAPP_GRAPH_API_VERSION,
      appSecretGraceMs: env.WHATSAPP_APP_SECRET_GRACE_HOURS * 3_600_000,
      webhookBatchWindowMs: env.WEBHOOK_BATCH_WINDOW_MS,
      inDoubtWaitSeconds: env.WHATSAPP_IN_DOUBT_WAIT_SECONDS,
    },
    twilio: {
      apiUrl: env.TWILIO_API_URL.replace(/\/+$/, ''),
      smsInDoubtWaitSeconds: env.SMS_IN_DOUBT_WAIT_SECONDS,
    },
    hubspot: { apiUrl: env.HUBSPOT_API_URL.replace(/\/+$/, '') },
    callbacks: {
      altchaMaxCounter: env.ALTCHA_MAX_COUNTER,
      altchaExpiresSeconds: env.ALTCHA_EXPIRES_SECONDS,
      perIpPerHour: env.CALLBACK_PER_IP_PER_HOUR,
      ringSeconds: env.CALLBACK_RING_SECONDS,
    },
    outbound: {
      connectTimeoutMs: env.OUTBOUND_CONNECT_TIMEOUT_MS,
      timeoutMs: env.OUTBOUND_TIMEOUT_MS,
      allowPrivateHosts: env.OUTBOUND_ALLOW_PRIVATE_HOSTS,
    },
    leadSources: {
      phantombusterApiUrl: env.PHANTOMBUSTER_API_URL.replace(/\/+$/, ''),
      phantombusterResultHosts: env.PHANTOMBUSTER_RESULT_HOSTS,
    },
    enrichment: {
      hunterApiUrl: env.HUNTER_API_URL.replace(/\/+$/, ''),
      hunterApiKey: env.HUNTER_API_KEY,
    },
    llm: {
      prices: { ...DEFAULT_LLM_PRICES, ...env.LLM_PRICES },
      privateHosts: env.LLM_PRIVATE_HOSTS,
      timeoutMs: env.LLM_TIMEOUT_MS,
      maxRetries: env.LLM_MAX_RETRIES,
      maxRetryAfterMs: env.LLM_MAX_RETRY_AFTER_MS,
      breakerFailures: env.LLM_BREAKER_FAILURES,
      breakerHalfOpenMs: env.LLM_BREAKER_HALF_OPEN_MS,
    },
    live: {
      maxBufferedBytes: env.LIVE_MAX_BUFFERED_BYTES,
      sessionRecheckMs: env.LIVE_SESSION_RECHECK_SECONDS * 1000,
    },
    media: {
      maxBytes: env.MEDIA_MAX_BYTES,
      blobDir: path.resolve(env.BLOB_DIR ?? path.join(env.DATA_DIR, 'blobs')),
      s3: env.BLOB_S3_URL ? s3BlobConfig(env.BLOB_S3_URL) : undefined,
    },
    backups: {
      key: env.BACKUP_KEY,
      directory: path.resolve(env.BACKUP_DIR ?? path.join(env.DATA_DIR, 'backups')),
      schedule: env.BACKUP_SCHEDULE,
      keep: { daily: env.BACKUP_KEEP_DAILY, weekly: env.BACKUP_KEEP_WEEKLY },
    },
    retention: { batchSize: env.RETENTION_BATCH_SIZE, workShare: env.RETENTION_WORK_SHARE },
    dashboard: { sourceMaps: env.DASHBOARD_SOURCE_MAPS ?? env.NODE_ENV !== 'production' },
    observability: {
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
      sentryDsn: env.SENTRY_DSN,
    },
  };
  return deepFreeze(config);
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}

/** Every configured secret value, so log output can be checked (and scrubbed) for them. */
export interface S3BlobConfig {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** BLOB_S3_URL (validated by the schema) split into what the S3 blob store needs. */
function s3BlobConfig(value: string): S3BlobConfig {
  const url = new URL(value);
  return {
    endpoint: url.origin,
    bucket: url.pathname.replace(/^\/|\/$/g, ''),
    region: url.searchParams.get('region') ?? 'us-east-1',
    accessKeyId: decodeURIComponent(url.username),
    secretAccessKey: decodeURIComponent(url.password),
  };
}

export function configuredSecrets(config: Config): string[] {
  const secrets = [
    config.secretKey,
    ...config.previousSecretKeys,
    config.metrics.token,
    config.operatorApiToken,
    config.backups.key,
    config.enrichment.hunterApiKey,
  ];
  if (config.media.s3) secrets.push(config.media.s3.secretAccessKey);
  if (config.observability.sentryDsn) secrets.push(new URL(config.observability.sentryDsn).username);
  for (const url of [config.database.url, config.database.appUrl, config.mail.smtpUrl, config.redisUrl]) {
    if (url) secrets.push(passwordOf(url));
  }
  return secrets.filter((value): value is string => typeof value === 'string' && value.length >= 6);
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
