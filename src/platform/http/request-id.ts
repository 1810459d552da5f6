import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** Accepts a caller's well-formed X-Request-ID (so a trace crosses services) and otherwise makes one. */
export function requestIdFor(request: IncomingMessage): string {
  const offered = request.headers[REQUEST_ID_HEADER];
  if (typeof offered === 'string' && WELL_FORMED.test(offered)) return offered;
  return randomUUID();
}
