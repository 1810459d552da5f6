import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { OutboundError } from './errors.js';
import { guardedLookup, hostKey } from './ssrf-guard.js';

function lookup(
  hostname: string,
  all: boolean,
): Promise<{ error: unknown; address: string | LookupAddress[] }> {
  return new Promise((resolve) => {
    guardedLookup(hostname, { all }, (error, address) => resolve({ error, address }));
  });
}

describe('guardedLookup (runs inside each connection attempt)', () => {
  it.each([true, false])('refuses a name that resolves to loopback (all=%s)', async (all) => {
    const { error, address } = await lookup('localhost', all);
    expect(error).toBeInstanceOf(OutboundError);
    expect((error as OutboundError).failure).toBe('refused_address');
    expect(address).toEqual([]);
  });

  it('refuses a literal private address passed as a name', async () => {
    const { error } = await lookup('169.254.169.254', false);
    expect((error as OutboundError).failure).toBe('refused_address');
  });

  it('passes resolution errors through', async () => {
    const { error } = await lookup('does-not-exist.invalid', false);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(OutboundError);
  });
});

describe('hostKey', () => {
  it('fills in default ports and strips IPv6 brackets', () => {
    expect(hostKey('Example.COM', '', 'https:')).toBe('example.com:443');
    expect(hostKey('127.0.0.1', '', 'http:')).toBe('127.0.0.1:80');
    expect(hostKey('[::1]', '8443', 'https:')).toBe('::1:8443');
  });
});
