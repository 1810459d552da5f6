import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client IP is rate-limited under. IPv4 addresses count alone; an IPv6 client usually owns a
 * whole /64 (one customer line, SLAAC privacy addresses rotate inside it), so IPv6 is limited per /64,
 * otherwise one client could rotate through 2^64 addresses to dodge every limit (ASVS 4.1.3). IPv4-mapped
 * IPv6 (`::ffff:192.0.2.1`, as a dual-stack socket reports IPv4 peers) is the IPv4 address it carries.
 */
export function ipLimiterKey(ip: string): string {
  const address = ip.trim().replace(/^\[|\]$/g, '');
  if (isIPv4(address)) return address;
  const zoneless = address.split('%')[0] ?? address;
  if (!isIPv6(zoneless)) return `other:${address.slice(0, 64)}`;
  const groups = expandIpv6(zoneless);
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** Eight 16-bit groups of a valid IPv6 address (with `::` expanded and a dotted IPv4 tail converted). */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
