/** Stable error codes of the API, each with its HTTP status. Clients may switch on the code. */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  /** The workspace's plan (set by the instance operator) does not allow this: a limit is reached. */
  plan_limit_reached: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** The contact opted out of messages on the conversation's channel (consent ledger). */
  contact_opted_out: 409,
  /** The person was erased and suppressed, and has not written since: operators may not start contact. */
  contact_suppressed: 409,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  /** Free text to a customer whose 24-hour WhatsApp service window is closed: send a template. */
  outside_customer_window: 422,
  /** An assignee who is not (or no longer) a member of the tenant. */
  not_a_member: 422,
  /** A label id that is not one of the tenant's labels. */
  unknown_label: 422,
  /** A quote line naming an item that is not (or no longer) in the workspace's active catalog. */
  unknown_catalog_item: 422,
  /** A channel whose WhatsApp Business Account could not be asked (token, permissions, Meta down). */
  provider_unavailable: 502,
  rate_limited: 429,
  headers_too_large: 431,
  /** A call-back request the workspace's rules refuse (number, country, special number); message localised. */
  callback_refused: 422,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The one error type domain code throws. Its message is shown to clients, so it never holds secrets. */
export class AppError extends Error {
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  /** For `rate_limited`: when the caller may try again (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: ErrorDetail[]; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfterSeconds =
      options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

export function codeForStatus(status: number): ErrorCode {
  const match = (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).find(([, s]) => s === status);
  if (match) return match[0];
  return status >= 500 ? 'internal_error' : 'bad_request';
}
