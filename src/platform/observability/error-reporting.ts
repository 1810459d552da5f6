import type { Breadcrumb, ErrorEvent } from '@sentry/node';
import type { Logger } from '../logging/logger.js';
import { VERSION } from '../version.js';
import { sanitiseUrl } from './span-privacy.js';

/**
 * Optional error reporting to Sentry (ADR 0037). `@sentry/node` is loaded only when SENTRY_DSN is set,
 * without its default integrations (no patching of http, console or process handlers): the error handler
 * and the worker call `reportError` for what they could not handle, and every event and breadcrumb is
 * scrubbed of personal data before it leaves (`scrubEvent`, `scrubBreadcrumb`).
 */
type SentryModule = typeof import('@sentry/node');
let sentry: SentryModule | undefined;

export interface ErrorReporting {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const NO_REPORTING: ErrorReporting = { flush: async () => {}, shutdown: async () => {} };

export async function startErrorReporting(
  options: { sentryDsn: string | undefined; environment: string },
  logger: Logger,
): Promise<ErrorReporting> {
  if (!options.sentryDsn || sentry) return NO_REPORTING;
  const module = await import('@sentry/node');
  module.initWithoutDefaultIntegrations({
    dsn: options.sentryDsn,
    environment: options.environment,
    release: `leadline@${VERSION}`,
    // Nothing about users, cookies, headers, query strings or bodies is collected; beforeSend scrubs again.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
    },
    integrations: [module.linkedErrorsIntegration(), module.dedupeIntegration()],
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => scrubBreadcrumb(breadcrumb),
  });
  sentry = module;
  logger.info({ host: new URL(options.sentryDsn).host }, 'reporting errors to Sentry');
  return {
    flush: async () => {
      await module.flush(5_000);
    },
    shutdown: async () => {
      sentry = undefined;
      await module.close(5_000);
    },
  };
}

export interface ErrorContext {
  requestId: string;
  /** The route's pattern, never the URL. */
  route?: string | undefined;
  task?: string | undefined;
  workspaceId?: string | undefined;
}

/** Reports an error nothing handled (a 500, a failed job attempt); a no-op without SENTRY_DSN. */
export function reportError(error: unknown, context: ErrorContext): void {
  if (!sentry) return;
  const tags: Record<string, string> = { request_id: context.requestId };
  if (context.route) tags.route = context.route;
  if (context.task) tags.task = context.task;
  if (context.workspaceId) tags.workspace_id = context.workspaceId;
  sentry.captureException(error, { tags });
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// A run of 7 or more digits, possibly with a leading + and spaces, dots, dashes or brackets between them.
const PHONE = /\+?\(?\d(?:[\s().-]{0,2}\d){6,}/g;

/** Addresses and phone-number-like runs in free text become placeholders. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

function scrubValues(record: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!record) return record;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = typeof value === 'string' ? scrubText(value) : typeof value === 'number' ? value : '[removed]';
  }
  return out;
}

/** Request bodies, headers, cookies and query strings are dropped; the user keeps an id at most. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  if (event.request) {
    event.request = {
      ...(event.request.method ? { method: event.request.method } : {}),
      ...(event.request.url ? { url: sanitiseUrl(event.request.url) } : {}),
    };
  }
  if (event.user) event.user = event.user.id === undefined ? {} : { id: event.user.id };
  if (event.message) event.message = scrubText(event.message);
  if (event.logentry?.message) event.logentry = { message: scrubText(event.logentry.message) };
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = scrubText(exception.value);
    for (const frame of exception.stacktrace?.frames ?? []) frame.vars = undefined;
  }
  event.extra = scrubValues(event.extra);
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map(scrubBreadcrumb);
  return event;
}

export function scrubBreadcrumb(breadcrumb: Breadcrumb): Breadcrumb {
  const data = breadcrumb.data;
  const kept: Record<string, unknown> = {};
  if (data) {
    if (typeof data.method === 'string') kept.method = data.method;
    if (typeof data.status_code === 'number') kept.status_code = data.status_code;
    if (typeof data.url === 'string') kept.url = sanitiseUrl(data.url);
  }
  return {
    ...breadcrumb,
    ...(breadcrumb.message ? { message: scrubText(breadcrumb.message) } : {}),
    data: kept,
  };
}
