import path from 'node:path';
import type { TEnvironment } from './schema.js';

export type SecretSource = 'environment' | 'generated';

/** The parsed, frozen configuration every module receives as an argument. */
export interface Config {
  readonly env: TEnvironment['NODE_ENV'];
  readonly dataDir: string;
  readonly secretKey: string;
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
  readonly worker: {
    readonly concurrency: number;
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
  readonly mail: { readonly smtpUrl: string | undefined; readonly from: string };
  readonly redisUrl: string | undefined;
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed. */
  readonly trustProxy: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly rateLimits: {
    readonly apiPerMinute: number;
    readonly authPerMinute: number;
    readonly publicFormPerMinute: number;
    readonly webhookPerMinute: number;
  };
}

export function toConfig(env: TEnvironment, secretKey: string, secretKeySource: SecretSource): Config {
  const config: Config = {
    env: env.NODE_ENV,
    dataDir: path.resolve(env.DATA_DIR),
    secretKey,
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
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
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
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    redisUrl: env.REDIS_URL,
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    rateLimits: {
      apiPerMinute: env.RATE_LIMIT_API_PER_MINUTE,
      authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE,
      publicFormPerMinute: env.RATE_LIMIT_PUBLIC_FORM_PER_MINUTE,
      webhookPerMinute: env.RATE_LIMIT_WEBHOOK_PER_MINUTE,
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
export function configuredSecrets(config: Config): string[] {
  const secrets = [config.secretKey, config.metrics.token];
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
