import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export interface CanonicalPhone {
  /** `+` and digits, e.g. `+5511987654321`: the contact's key within a tenant. */
  readonly e164: string;
  /** The same digits without `+`: the conversation key (and job queue) within a channel. */
  readonly key: string;
}

/**
 * Brazil added a 9 in front of every 8-digit mobile number in 2012-2016, but WhatsApp still reports many
 * accounts under the old form (`55 11 8765-4321`). Mobile subscriber numbers start with 6-9; landlines
 * with 2-5 keep 8 digits. Both forms of a mobile therefore resolve to the 9-digit one.
 */
function withBrazilianNinthDigit(digits: string): string {
  if (digits.length === 12 && digits.startsWith('55') && /^[6-9]$/.test(digits[4] ?? '')) {
    return `${digits.slice(0, 4)}9${digits.slice(4)}`;
  }
  return digits;
}

/** Customers write several messages in a row: their numbers are parsed once (libphonenumber is costly). */
const RECENT_LIMIT = 10_000;
const recent = new Map<string, CanonicalPhone>();

/**
 * The canonical E.164 form of a WhatsApp id or a typed phone number, or undefined when it cannot be a
 * phone number. WhatsApp ids are digits with the country code and no `+`.
 */
export function canonicalPhone(input: string): CanonicalPhone | undefined {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 32) return undefined;
  const digits = trimmed.replace(/[\s().-]/g, '').replace(/^\+/, '');
  if (!/^[1-9][0-9]{6,14}$/.test(digits)) return undefined;
  const known = recent.get(digits);
  if (known) return known;
  const phone = Object.freeze(canonicalDigits(digits));
  // Cleared when full: deleting the oldest key one at a time leaves holes that Map iteration walks over,
  // so a stream of new numbers (an import) paid a scan of the table per number.
  if (recent.size >= RECENT_LIMIT) recent.clear();
  recent.set(digits, phone);
  return phone;
}

function canonicalDigits(digits: string): CanonicalPhone {
  const candidate = withBrazilianNinthDigit(digits);
  const parsed = parsePhoneNumberFromString(`+${candidate}`);
  // A number libphonenumber cannot place is still someone's WhatsApp id: keep its digits as they are.
  const e164 = parsed?.isPossible() ? parsed.number : `+${candidate}`;
  return { e164, key: e164.slice(1) };
}

/** The shape every messageable number has (set-based checks in SQL use the same pattern). */
export const E164_PATTERN = '^\\+[1-9][0-9]{7,14}$';
const MESSAGEABLE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Whether a bulk message (a campaign's WhatsApp template or SMS) can reach this number: a valid number whose
 * type is a mobile one, or one libphonenumber cannot type (some countries' plans do not tell).
 */
export function isMessageableMobile(e164: string): boolean {
  if (!new RegExp(E164_PATTERN).test(e164)) return false;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isValid()) return false;
  const type = parsed.getType();
  return type === undefined || MESSAGEABLE_TYPES.has(type);
}
