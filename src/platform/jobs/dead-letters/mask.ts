import { maskPersonalData } from '../../logging/redaction.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keys whose string values are identifiers (ours or a provider's), safe and needed to inspect a job. */
const ID_KEY = /(^id$|Id$|Ids$|_id$|^task$|^kind$)/;

/**
 * A job payload as an admin may see it: payloads carry phone numbers, e-mail addresses and message text
 * in fields we cannot enumerate for every task, so every string leaf is masked except UUIDs and values of
 * id-named keys. Numbers, booleans and the shape stay, which is what diagnosing a failure needs.
 */
export function maskPayload(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (UUID.test(value) || ID_KEY.test(key)) return value;
    return `[masked: ${value.length} chars]`;
  }
  if (Array.isArray(value)) return value.map((item) => maskPayload(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPayload(v, k)]));
  }
  return value;
}

/** A job's last error is our own message, but it may quote what failed (an address, a number). */
export function maskError(error: string | null): string | null {
  return error === null ? null : maskPersonalData(error.slice(0, 2_000));
}
