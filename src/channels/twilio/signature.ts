import { createHash, createHmac } from 'node:crypto';
import querystring from 'node:querystring';
import { constantTimeEqual } from '../../platform/crypto/tokens.js';

/** Form parameters as Twilio posts them: a name may repeat (e.g. `StatusCallbackEvent`). */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Twilio's request signature (twilio-node `src/webhooks/webhooks.ts`, `getExpectedTwilioSignature`):
 * base64 HMAC-SHA1 under the auth token of the full URL Twilio requested, followed by each POST
 * parameter sorted by name as `name + value`; a repeated name contributes each distinct value, sorted.
 * Sorting is JavaScript's default (UTF-16 code units), as in the SDK.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (typeof value === 'string') data += name + value;
    else for (const each of [...new Set(value)].sort()) data += name + each;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * The URLs Twilio may have signed for one request: as given, with the port removed, with the default
 * port added, and each again with the query re-encoded the way Node's legacy `querystring` does (the
 * SDK's validator accepts all of them, because proxies and Twilio's edge disagree on both).
 */
export function candidateUrls(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const base = [url, stripPort(url, parsed), withPort(url, parsed, defaultPort)];
  const legacy = base.map(legacyQuery);
  return [...new Set([...base, ...legacy])];
}

/** Removes an explicit port from the URL's text, leaving everything else byte for byte. */
function stripPort(url: string, parsed: URL): string {
  if (!parsed.port && !/^[a-z]+:\/\/[^/]*:\d+/i.test(url)) return url;
  return url.replace(/^([a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*)):\d+/i, '$1');
}

function withPort(url: string, parsed: URL, defaultPort: string): string {
  if (parsed.port || !defaultPort) return url;
  if (/^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):\d+/i.test(url)) return url;
  return url.replace(/^([a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*))/i, `$1:${defaultPort}`);
}

function legacyQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const hash = url.indexOf('#', at);
  const query = url.slice(at + 1, hash < 0 ? undefined : hash);
  return `${url.slice(0, at)}?${querystring.stringify(querystring.parse(query))}${hash < 0 ? '' : url.slice(hash)}`;
}

/** True when `header` is Twilio's signature of a form-encoded request at `url` with `params`. */
export function validTwilioRequest(
  authToken: string,
  header: string | string[] | undefined,
  url: string,
  params: TwilioParams,
): boolean {
  if (typeof header !== 'string' || header.length === 0 || header.length > 128) return false;
  let matched = false;
  // Every candidate is computed, so the time taken does not tell which one matched.
  for (const candidate of candidateUrls(url)) {
    if (constantTimeEqual(twilioSignature(authToken, candidate, params), header)) matched = true;
  }
  return matched;
}

/**
 * A JSON request: Twilio signs the URL (carrying `bodySHA256`, the hex SHA-256 of the body) with no
 * parameters; the body must then hash to that value (twilio-node `validateRequestWithBody`).
 */
export function validTwilioJsonRequest(
  authToken: string,
  header: string | string[] | undefined,
  url: string,
  body: Buffer,
): boolean {
  let bodyHash: string | null;
  try {
    bodyHash = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (!bodyHash || !/^[0-9a-f]{64}$/i.test(bodyHash)) return false;
  const signed = validTwilioRequest(authToken, header, url, {});
  const actual = createHash('sha256').update(body).digest();
  return constantTimeEqual(actual, Buffer.from(bodyHash, 'hex')) && signed;
}
