import { Agent, fetch as undiciFetch } from 'undici';
import { OutboundError } from '../../../platform/http/outbound/errors.js';
import { guardedConnector, hostKey } from '../../../platform/http/outbound/ssrf-guard.js';

export interface GuardedFetch {
  fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

function urlOf(input: string | URL | Request): URL {
  if (typeof input === 'string') return new URL(input);
  if (input instanceof URL) return input;
  return new URL(input.url);
}

/**
 * The fetch the provider SDKs use. A base URL is set by a tenant's owner, so it is untrusted like any
 * tenant-supplied destination: HTTPS only, every connection through the SSRF guard (public addresses, checked
 * on the resolved address, so DNS rebinding cannot slip through), no redirects. The operator may name
 * private model servers (`LLM_PRIVATE_HOSTS`, e.g. Ollama on the same network); those may be plain HTTP.
 */
export function createGuardedFetch(options: {
  connectTimeoutMs: number;
  allowPrivateHosts: readonly string[];
}): GuardedFetch {
  const allowed = new Set(options.allowPrivateHosts.map((entry) => entry.toLowerCase()));
  const dispatcher = new Agent({
    connect: guardedConnector({ connectTimeoutMs: options.connectTimeoutMs, allowPrivateHosts: allowed }),
  });
  const guarded = async (input: string | URL | Request, init?: RequestInit) => {
    const url = urlOf(input);
    if (url.protocol !== 'https:' && !allowed.has(hostKey(url.hostname, url.port, url.protocol))) {
      throw new OutboundError('refused_address', `refused plain HTTP to ${url.host}`, { retryable: false });
    }
    // The SDKs pass a WHATWG Request or URL and a RequestInit; undici's own types differ only nominally.
    return undiciFetch(input as never, { ...(init as object), dispatcher, redirect: 'error' } as never);
  };
  return {
    fetch: guarded as unknown as typeof globalThis.fetch,
    close: () => dispatcher.close(),
  };
}

/** Whether a base URL may be saved: http(s), no credentials, query or fragment; plain HTTP only if allowed. */
export function baseUrlProblem(value: string, allowPrivateHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not contain credentials (the API key has its own field)';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  const key = hostKey(url.hostname, url.port, url.protocol);
  if (url.protocol === 'http:' && !allowPrivateHosts.map((entry) => entry.toLowerCase()).includes(key)) {
    return 'must be an https:// URL (plain HTTP only for hosts listed in LLM_PRIVATE_HOSTS)';
  }
  return undefined;
}
