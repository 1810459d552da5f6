import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { isPublicAddress } from './address-policy.js';
import { OutboundError } from './errors.js';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function refusedAddress(hostname: string): OutboundError {
  return new OutboundError('refused_address', `refused to connect to ${hostname}: not a public address`, {
    retryable: false,
  });
}

/**
 * dns.lookup that fails when any resolved address is not public. It runs inside the connection attempt,
 * on the very addresses the socket will use, so a name that resolves to a public address when checked
 * and a private one when connecting (DNS rebinding) cannot slip through.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    if (list.length === 0 || list.some((entry) => !isPublicAddress(entry.address))) {
      return callback(refusedAddress(hostname) as unknown as NodeJS.ErrnoException, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}

/** `host:port` with the scheme's default port filled in, lower-case, IPv6 without brackets. */
export function hostKey(hostname: string, port: string, protocol: string): string {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return `${bare}:${port || (protocol === 'https:' ? '443' : '80')}`;
}

/**
 * An undici connector for requests on behalf of untrusted input: IP literals must be public, names are
 * resolved through `guardedLookup`. `allowPrivateHosts` (host:port, development and tests only) skips the
 * guard for exactly those endpoints.
 */
export function guardedConnector(options: {
  connectTimeoutMs: number;
  allowPrivateHosts: ReadonlySet<string>;
}): buildConnector.connector {
  const guarded = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup });
  const plain = buildConnector({ timeout: options.connectTimeoutMs });
  return (connectOptions, callback) => {
    const { hostname, port, protocol } = connectOptions;
    if (options.allowPrivateHosts.has(hostKey(hostname, port, protocol)))
      return plain(connectOptions, callback);
    const bare = hostname.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0 && !isPublicAddress(bare)) return callback(refusedAddress(hostname), null);
    return guarded(connectOptions, callback);
  };
}
