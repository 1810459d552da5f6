import type { Attributes } from '@opentelemetry/api';

/**
 * What a span may carry out of the process (ADR 0037): an allow-list, not a deny-list, so an attribute a
 * library adds later (a client address, a query string, a header) is dropped rather than exported. Span
 * names and paths lose anything that looks like a number or an address; exception events keep their type
 * only (messages can quote input); status messages are dropped.
 */
const ALLOWED_ATTRIBUTES = new Set([
  'http.request.method',
  'http.request.method_original',
  'http.response.status_code',
  'http.route',
  'url.scheme',
  'url.path',
  'url.full',
  'server.address',
  'server.port',
  'error.type',
  'leadline.workspace_id',
  'leadline.job.task',
  'leadline.job.id',
  'leadline.job.attempt',
]);

/** Long digit runs (phone numbers, ids derived from them) and e-mail addresses become placeholders. */
export function sanitisePath(path: string): string {
  const withoutQuery = path.split(/[?#]/, 1)[0] ?? '';
  return withoutQuery
    .replace(/[^/@\s]+@[^/@\s]+/g, ':email')
    .replace(/%2B|\+/gi, '')
    .replace(/\d{6,}/g, ':n');
}

/** An absolute URL without credentials, query or fragment, its path sanitised. */
export function sanitiseUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${sanitisePath(url.pathname)}`;
  } catch {
    return ':invalid';
  }
}

/** The mutable view of an ended span that the processor cleans before the exporter's processor sees it. */
interface EndedSpan {
  name: string;
  attributes: Attributes;
  events: { attributes?: Attributes }[];
  status: { code: number; message?: string };
}

export function sanitiseSpan(ended: unknown): void {
  const span = ended as EndedSpan;
  span.name = sanitisePath(span.name);
  for (const key of Object.keys(span.attributes)) {
    if (!ALLOWED_ATTRIBUTES.has(key)) delete span.attributes[key];
  }
  const full = span.attributes['url.full'];
  if (typeof full === 'string') span.attributes['url.full'] = sanitiseUrl(full);
  const path = span.attributes['url.path'];
  if (typeof path === 'string') span.attributes['url.path'] = sanitisePath(path);
  for (const event of span.events) {
    if (!event.attributes) continue;
    for (const key of Object.keys(event.attributes)) {
      if (key !== 'exception.type') delete event.attributes[key];
    }
  }
  if (span.status.message !== undefined) span.status.message = undefined;
}
