import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LOG_LEVELS } from '../config/schema.js';
import { censor, createLineScrubber, redactPaths } from './redaction.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: (typeof LOG_LEVELS)[number];
  /** Values that must never be written, e.g. every configured secret. */
  secrets: readonly string[];
  destination?: DestinationStream;
  /** Human-readable lines (pino-pretty) instead of JSON, when pino-pretty is installed. */
  pretty?: boolean;
}

/**
 * Pretty logs are for a person at a terminal in development: JSON everywhere else (files, pipes, log
 * shippers, production), so machines keep reading the same fields.
 */
export function wantsPrettyLogs(env: string, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return env === 'development' && stdout.isTTY === true;
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/**
 * pino-pretty is a development dependency: a production install (`npm ci --omit=dev`) has no copy, and
 * then the logs stay JSON instead of failing to start.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream | undefined {
  let build: PrettyFactory;
  try {
    build = createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  } catch {
    return undefined;
  }
  return build({
    colorize: destination === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    destination: destination ?? 1,
    sync: destination !== undefined,
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const verbose = options.level === 'debug' || options.level === 'trace';
  const scrub = createLineScrubber(options.secrets);
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(verbose), censor },
      serializers: { req: serializeRequest, res: serializeResponse, err: pino.stdSerializers.err },
      hooks: { streamWrite: scrub },
    },
    (options.pretty ? prettyStream(options.destination) : undefined) ??
      options.destination ??
      pino.destination({ fd: 1, sync: false }),
  );
}

interface RequestLike {
  method: string;
  url: string;
  ip?: string;
  headers?: Record<string, unknown>;
}

function serializeRequest(req: RequestLike) {
  return {
    method: req.method,
    url: withoutCapabilities(withoutQueryValues(req.url)),
    ip: req.ip,
    userAgent: req.headers?.['user-agent'],
  };
}

function serializeResponse(res: { statusCode: number }) {
  return { statusCode: res.statusCode };
}

// Paths whose next segment is a capability (a quote's customer link, a Lemlist webhook's secret): logged as ~.
const CAPABILITY_PATH = /^(\/q\/|\/api\/v1\/public\/quotes\/|\/webhooks\/lemlist\/[^/?]+\/)[^/?]+/;

export function withoutCapabilities(url: string): string {
  return url.replace(CAPABILITY_PATH, '$1~');
}

/** Query strings carry tokens (webhook verify tokens, reset links): keep their names, never values. */
export function withoutQueryValues(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const names = url
    .slice(queryStart + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=~`);
  return `${url.slice(0, queryStart)}?${names.join('&')}`;
}
