import { t } from '../i18n/i18n';
/** An error answer of the API: `{ error: { code, message, requestId, details? } }`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => {};

/** The session's CSRF token (from sign-in or GET /auth/session), sent on every state-changing request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Requests under way that replace the session: its new cookie comes with their answer. */
const replacingSession = new Set<Promise<unknown>>();

/**
 * Runs a request that replaces the session (re-authentication, a workspace switch). The server ends the
 * old session when it issues the new one, and the live channel says so at once: that notice, or a 401 to
 * a request sent with the old cookie, can arrive before the answer that sets the new cookie. Whoever
 * would sign out on them waits for `sessionSettled()` first.
 */
export function replaceSession<T>(request: () => Promise<T>): Promise<T> {
  const pending = request();
  replacingSession.add(pending);
  const done = () => replacingSession.delete(pending);
  pending.then(done, done);
  return pending;
}

/** Whether a request that replaces the session is under way. */
export function sessionReplacing(): boolean {
  return replacingSession.size > 0;
}

/** Resolves once no request that replaces the session is under way (whatever their outcome). */
export async function sessionSettled(): Promise<void> {
  while (replacingSession.size > 0) await Promise.allSettled([...replacingSession]);
}

/** Called when any request answers 401: the session has ended. */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The machine-readable reason of an API error's first detail (`two_factor_required`), if any. */
export function errorDetail(error: unknown): string | undefined {
  return error instanceof ApiError ? error.details[0]?.message : undefined;
}

/** One typed call to /api/v1 with the session cookie; JSON in and out; errors become ApiError. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  options: { signal?: AbortSignal; quietUnauthenticated?: boolean; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  // A FormData body (a file upload) sets its own multipart content type.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : form ? body : JSON.stringify(body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', t('common.networkError'));
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; message?: string; details?: unknown } } | null)
      ?.error;
    if (response.status === 401 && !options.quietUnauthenticated) onUnauthenticated();
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? t('common.httpError', { status: response.status }),
      Array.isArray(error?.details) ? (error.details as { path: string; message: string }[]) : [],
    );
  }
  return payload as T;
}

/** A detail like `too_common` or `two_factor_required` is for code; the error's message says it to people. */
const MACHINE_CODE = /^[a-z]+(_[a-z]+)*$/;

/** A user-facing sentence for any error thrown by `api`. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const detail = error.details[0];
    return detail && !MACHINE_CODE.test(detail.message)
      ? `${error.message}: ${detail.path} ${detail.message}`
      : error.message;
  }
  return t('common.unexpectedError');
}
