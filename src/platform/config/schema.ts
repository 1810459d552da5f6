import { z } from 'zod';

/** Environment variables whose value may instead be read from the file named by `NAME_FILE`. */
export const SECRET_VARIABLES = [
  'SECRET_KEY',
  'SECRET_KEY_PREVIOUS',
  'DATABASE_URL',
  'DATABASE_APP_URL',
  'METRICS_TOKEN',
  'OPERATOR_API_TOKEN',
  'SMTP_URL',
  'REDIS_URL',
  'BLOB_S3_URL',
  'BACKUP_KEY',
  'SENTRY_DSN',
  'HUNTER_API_KEY',
  'POSTMARK_SERVER_TOKEN',
] as const;

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL');

/** "true" or "false", nothing else: z.coerce.boolean() would read "false" as true. */
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Comma list of host:port endpoints, lower-cased. */
const hostPortList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter((entry) => entry.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9.:-]+:[0-9]{1,5}$/, 'must be host:port')));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every setting Leadline reads, by environment variable name. `README.md` documents the same table;
 * a test keeps the two in step.
 */
export const ZEnvironment = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATA_DIR: z.string().trim().min(1).default('./.leadline'),
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_APP_URL: postgresUrl.optional(),
    DATABASE_POOL_SIZE: positiveInt(200).default(10),
    EMBEDDED_POSTGRES_PORT: port.default(54329),
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    SECRET_KEY_PREVIOUS: list
      .pipe(z.array(z.string().min(32, 'each key must be at least 32 characters')).max(8))
      .default([]),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    BODY_LIMIT_BYTES: positiveInt(64 * 1024 * 1024).default(1024 * 1024),
    JSON_MAX_DEPTH: positiveInt(256).default(32),
    HTTP_MAX_HEADER_BYTES: positiveInt(1024 * 1024).default(16 * 1024),
    REQUEST_TIMEOUT_MS: positiveInt(600_000).default(30_000),
    METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    METRICS_PORT: port.default(9464),
    METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    /** The instance operator's bearer token for /api/operator/v1 (workspace plans); unset: no operator API. */
    OPERATOR_API_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    WORKER_CONCURRENCY: positiveInt(64).default(2),
    WORKER_OUTBOUND_CONCURRENCY: positiveInt(256).default(48),
    WORKER_POLL_INTERVAL_MS: positiveInt(60_000).default(2_000),
    WORKER_STALE_AFTER_SECONDS: positiveInt(86_400).default(60),
    SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(10_000),
    OPEN_SIGNUP: flag.default(false),
    SESSION_IDLE_TIMEOUT_MINUTES: positiveInt(24 * 60).default(30),
    SESSION_ABSOLUTE_TIMEOUT_HOURS: positiveInt(24 * 30).default(12),
    REAUTH_WINDOW_MINUTES: positiveInt(24 * 60).default(10),
    API_KEY_ROTATION_GRACE_HOURS: positiveInt(24 * 30).default(24),
    SMTP_URL: z
      .string()
      .trim()
      .refine((value) => /^smtps?:\/\//.test(value), 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FROM: z.string().trim().min(3).default('Leadline <no-reply@leadline.local>'),
    // How Leadline's own mail leaves: SMTP (SMTP_URL), Postmark's e-mail API (POSTMARK_SERVER_TOKEN), or
    // unset: SMTP when SMTP_URL is set, else the local outbox.
    MAIL_TRANSPORT: z.enum(['smtp', 'postmark', 'outbox']).optional(),
    POSTMARK_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.postmarkapp.com'),
    POSTMARK_SERVER_TOKEN: z.string().trim().min(8).max(200).optional(),
    POSTMARK_MESSAGE_STREAM: z
      .string()
      .regex(/^[a-z0-9-]{1,30}$/)
      .default('outbound'),
    // Lemlist's API (leads pushed into outreach campaigns); trusted: set by the operator.
    LEMLIST_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.lemlist.com'),
    REDIS_URL: z
      .string()
      .trim()
      .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL')
      .optional(),
    TRUST_PROXY: list.default([]),
    CORS_ORIGINS: list.default([]),
    RATE_LIMIT_API_PER_MINUTE: positiveInt(1_000_000).default(600),
    RATE_LIMIT_AUTH_PER_MINUTE: positiveInt(1_000_000).default(30),
    RATE_LIMIT_PUBLIC_FORM_PER_MINUTE: positiveInt(1_000_000).default(10),
    RATE_LIMIT_WEBHOOK_PER_MINUTE: positiveInt(1_000_000).default(6_000),
    RATE_LIMIT_WEBHOOK_UNKNOWN_PER_MINUTE: positiveInt(1_000_000).default(60),
    WHATSAPP_GRAPH_API_URL: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
    WHATSAPP_GRAPH_API_VERSION: z
      .string()
      .regex(/^v[0-9]{1,3}\.[0-9]$/, 'must look like v23.0')
      .default('v23.0'),
    WHATSAPP_APP_SECRET_GRACE_HOURS: positiveInt(24 * 30).default(24),
    // How long a send whose outcome is unknown waits for Meta's status callback naming it (ADR 0018).
    WHATSAPP_IN_DOUBT_WAIT_SECONDS: positiveInt(600).default(60),
    WEBHOOK_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(50).default(0),
    TWILIO_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
    SMS_IN_DOUBT_WAIT_SECONDS: positiveInt(600).default(120),
    HUBSPOT_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.hubapi.com'),
    ALTCHA_MAX_COUNTER: positiveInt(10_000_000).default(50_000),
    ALTCHA_EXPIRES_SECONDS: z.coerce.number().int().min(30).max(3_600).default(600),
    CALLBACK_PER_IP_PER_HOUR: positiveInt(10_000).default(5),
    CALLBACK_RING_SECONDS: z.coerce.number().int().min(5).max(120).default(25),
    OUTBOUND_CONNECT_TIMEOUT_MS: positiveInt(60_000).default(5_000),
    OUTBOUND_TIMEOUT_MS: positiveInt(120_000).default(15_000),
    // host:port endpoints exempt from the outbound SSRF guard (local fakes); doctor refuses it in production.
    OUTBOUND_ALLOW_PRIVATE_HOSTS: hostPortList,
    // Phantombuster's API (result objects of an agent's runs) and the hosts its result files may come from.
    PHANTOMBUSTER_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.phantombuster.com'),
    PHANTOMBUSTER_RESULT_HOSTS: list.default(['phantombuster.s3.amazonaws.com', 'cache1.phantombooster.com']),
    // Company enrichment through Hunter's Company Enrichment API; without a key enrichment is off everywhere.
    HUNTER_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.hunter.io'),
    HUNTER_API_KEY: z.string().trim().min(8).max(200).optional(),
    // USD per million tokens by model name (exact, then the longest prefix, then "*"); merged over the
    // defaults in llm-prices.ts, so an operator names only what differs.
    LLM_PRICES: z
      .string()
      .default('{}')
      .transform((value, ctx) => {
        try {
          return JSON.parse(value) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
          return z.NEVER;
        }
      })
      .pipe(
        z.record(
          z.string().min(1).max(200),
          z.strictObject({ input: z.number().min(0).max(10_000), output: z.number().min(0).max(10_000) }),
        ),
      ),
    // host:port of model servers on private addresses (Ollama, vLLM) that tenants' base URLs may name.
    LLM_PRIVATE_HOSTS: hostPortList,
    LLM_TIMEOUT_MS: positiveInt(300_000).default(30_000),
    LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
    LLM_MAX_RETRY_AFTER_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
    LLM_BREAKER_FAILURES: positiveInt(100).default(5),
    LLM_BREAKER_HALF_OPEN_MS: positiveInt(3_600_000).default(30_000),
    LIVE_MAX_BUFFERED_BYTES: positiveInt(64 * 1024 * 1024).default(256 * 1024),
    LIVE_SESSION_RECHECK_SECONDS: positiveInt(3_600).default(60),
    MEDIA_MAX_BYTES: positiveInt(1024 * 1024 * 1024).default(100 * 1024 * 1024),
    BLOB_DIR: z.string().min(1).optional(),
    // https://<access key id>:<secret key>@<endpoint>/<bucket>?region=<region>: media in an S3-compatible bucket.
    BLOB_S3_URL: z
      .url({ protocol: /^https?$/ })
      .refine((value) => {
        const url = new URL(value);
        return (
          url.username !== '' &&
          url.password !== '' &&
          /^\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/?$/.test(url.pathname)
        );
      }, 'must look like https://ACCESS_KEY_ID:SECRET@host/bucket?region=...')
      .optional(),
    // 32 random bytes (64 hex digits or base64) encrypting backups; kept apart from the backups themselves.
    BACKUP_KEY: z
      .string()
      .trim()
      .refine((value) => backupKeyBytes(value).length === 32, 'must be 32 bytes: 64 hex digits or base64')
      .optional(),
    BACKUP_DIR: z.string().trim().min(1).optional(),
    // Cron pattern (UTC, five fields) on which the worker backs up, verifies and prunes; unset: no schedule.
    BACKUP_SCHEDULE: z
      .string()
      .trim()
      .regex(/^[0-9*,/-]+( [0-9*,/-]+){4}$/, 'must be a five-field cron pattern such as "0 3 * * *"')
      .optional(),
    BACKUP_KEEP_DAILY: z.coerce.number().int().min(0).max(3_650).default(7),
    BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).max(520).default(4),
    // The daily retention job: rows per transaction, and the share of wall time it may spend removing (it
    // rests between batches so the webhook path keeps its latency; bench:retention measures both).
    RETENTION_BATCH_SIZE: z.coerce.number().int().min(100).max(50_000).default(1_000),
    RETENTION_WORK_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
    // Unset: the dashboard's source maps are served in development and test, never in production.
    DASHBOARD_SOURCE_MAPS: flag.optional(),
    // Set: traces (HTTP request -> job -> outbound call) are exported over OTLP/HTTP to <endpoint>/v1/traces.
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_SERVICE_NAME: z.string().trim().min(1).max(100).default('leadline'),
    // Set: unhandled errors of routes and jobs go to Sentry, personal data scrubbed first.
    SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine(
    (env, ctx) => {
      if (env.MAIL_TRANSPORT === 'postmark' && !env.POSTMARK_SERVER_TOKEN) {
        ctx.addIssue({
          code: 'custom',
          path: ['MAIL_TRANSPORT'],
          message: 'postmark needs POSTMARK_SERVER_TOKEN',
        });
      }
      if (env.MAIL_TRANSPORT === 'smtp' && !env.SMTP_URL) {
        ctx.addIssue({ code: 'custom', path: ['MAIL_TRANSPORT'], message: 'smtp needs SMTP_URL' });
      }
      if (env.BACKUP_SCHEDULE && !env.BACKUP_KEY) {
        ctx.addIssue({ code: 'custom', path: ['BACKUP_SCHEDULE'], message: 'needs BACKUP_KEY' });
      }
      if (env.NODE_ENV !== 'production') return;
      if (!env.SECRET_KEY) {
        ctx.addIssue({ code: 'custom', path: ['SECRET_KEY'], message: 'is required in production' });
      }
      if (!env.PUBLIC_URL) {
        ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required in production' });
      }
    },
    // Zod skips refinements once any field has failed; run anyway (on an object) so every problem is
    // reported at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export type TEnvironment = z.infer<typeof ZEnvironment>;

/** BACKUP_KEY as bytes: 64 hex digits, else base64 (an invalid value decodes to the wrong length). */
export function backupKeyBytes(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}
