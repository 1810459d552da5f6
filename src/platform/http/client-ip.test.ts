import { describe, expect, it } from 'vitest';
import { ipLimiterKey } from './client-ip.js';

describe('ipLimiterKey (V4.1.3 / V15.3.4 rate limits per real client)', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(ipLimiterKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('limits IPv6 clients per /64, so rotating the interface id does not evade a limit', () => {
    const a = ipLimiterKey('2001:db8:1234:5678:aaaa:bbbb:cccc:dddd');
    const b = ipLimiterKey('2001:db8:1234:5678::1');
    const c = ipLimiterKey('2001:0DB8:1234:5678:0:0:0:ffff');
    expect(a).toBe('2001:db8:1234:5678::/64');
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('separates neighbouring /64 networks', () => {
    expect(ipLimiterKey('2001:db8:1234:5679::1')).not.toBe(ipLimiterKey('2001:db8:1234:5678::1'));
  });

  it('expands :: at either end', () => {
    expect(ipLimiterKey('::1')).toBe('0:0:0:0::/64');
    expect(ipLimiterKey('fe80::')).toBe('fe80:0:0:0::/64');
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address it carries, in both notations', () => {
    expect(ipLimiterKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(ipLimiterKey('::ffff:c000:201')).toBe('192.0.2.1');
    expect(ipLimiterKey('::FFFF:192.0.2.1')).toBe('192.0.2.1');
  });

  it('ignores a zone index and brackets', () => {
    expect(ipLimiterKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(ipLimiterKey('[2001:db8::1]')).toBe('2001:db8:0:0::/64');
  });

  it('keys anything that is not an IP address separately and bounded', () => {
    const key = ipLimiterKey(`x${'y'.repeat(500)}`);
    expect(key.startsWith('other:')).toBe(true);
    expect(key.length).toBeLessThanOrEqual(70);
  });
});
