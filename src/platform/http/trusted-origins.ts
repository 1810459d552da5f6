import type { Config } from '../config/config.js';

/** The names one machine answers to: outside production, any of them reaches the same server. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Origins whose browsers may send state-changing requests with the session cookie and open the live
 * channel: PUBLIC_URL's and CORS_ORIGINS. Outside production, a loopback PUBLIC_URL (the default,
 * http://127.0.0.1:3000) also trusts its other loopback spellings on the same port, so the dashboard works
 * whether the developer types http://localhost:3000 or http://127.0.0.1:3000. The session cookie is
 * host-only, so each spelling signs in on its own; none of them is reachable from another machine.
 */
export function trustedOrigins(config: Pick<Config, 'env' | 'http' | 'corsOrigins'>): string[] {
  const publicUrl = new URL(config.http.publicUrl);
  const origins = new Set([publicUrl.origin, ...config.corsOrigins]);
  if (config.env !== 'production' && LOOPBACK_HOSTS.includes(publicUrl.hostname)) {
    for (const host of LOOPBACK_HOSTS) {
      const alias = new URL(publicUrl.origin);
      alias.hostname = host;
      origins.add(alias.origin);
    }
  }
  return [...origins];
}
