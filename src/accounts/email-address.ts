import { domainToASCII } from 'node:url';
import { z } from 'zod';

// Control, invisible and direction-changing characters let two different addresses look the same.
const INVISIBLE_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x001f],
  [0x007f, 0x007f],
  [0x00ad, 0x00ad],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x206f],
  [0xfeff, 0xfeff],
];

function hasInvisibleCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (INVISIBLE_RANGES.some(([from, to]) => code >= from && code <= to)) return true;
  }
  return false;
}

/**
 * The one canonical form of an e-mail address, computed once at the edge: NFKC, case-folded, domain in
 * punycode. Used for lookup, uniqueness and as the address mail is sent to, so a look-alike address can
 * never receive another account's mail (the GitHub reset incident). Returns null when unusable.
 */
export function canonicalEmail(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 254 || hasInvisibleCharacter(trimmed)) return null;
  const normalized = trimmed.normalize('NFKC').toLowerCase();
  const at = normalized.lastIndexOf('@');
  if (at <= 0 || at === normalized.length - 1) return null;
  const local = normalized.slice(0, at);
  const domain = domainToASCII(normalized.slice(at + 1));
  if (!domain || !/^[a-z0-9.-]+\.[a-z0-9-]{2,}$/.test(domain) || domain.includes('..')) return null;
  if (
    !/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/.test(local) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..')
  ) {
    return null;
  }
  return `${local}@${domain}`;
}

/** Zod field for an e-mail address in a request body: validated and canonicalised once, here. */
export const ZEmail = z
  .string()
  .max(320)
  .transform((value, ctx) => {
    const email = canonicalEmail(value);
    if (!email) {
      ctx.addIssue({ code: 'custom', message: 'is not a valid e-mail address' });
      return z.NEVER;
    }
    return email;
  });
