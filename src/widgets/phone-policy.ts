import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { RefusalReason } from './messages.js';

/**
 * Types a visitor's number may have. Everything else is refused whatever the country allow-list says:
 * premium-rate, shared-cost, toll-free, UAN, personal, pager, voicemail and VoIP numbers are how
 * call-back forms become toll-fraud relays (and unknown types are refused too).
 */
const CALLABLE_TYPES = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

export type PhoneCheck = { ok: true; e164: string; country: string } | { ok: false; reason: RefusalReason };

/**
 * Parses a visitor's number (E.164, or national in the widget's default country) and applies the toll-fraud
 * rules: a valid number, a callable type, and a country on the workspace's allow-list.
 */
export function checkVisitorNumber(
  raw: string,
  defaultCountry: string,
  allowedCountries: readonly string[],
): PhoneCheck {
  // Only digits, spaces, + and the usual separators: libphonenumber also reads letters (vanity numbers)
  // and extensions, neither of which Leadline dials.
  if (!/^\+?[0-9 ().-]{4,32}$/.test(raw)) return { ok: false, reason: 'invalid_phone' };
  const parsed = parsePhoneNumberFromString(raw, defaultCountry as CountryCode);
  if (!parsed?.isValid() || parsed.ext) return { ok: false, reason: 'invalid_phone' };
  const type = parsed.getType();
  if (!type || !CALLABLE_TYPES.has(type)) return { ok: false, reason: 'special_number' };
  const country = parsed.country;
  if (!country || !allowedCountries.includes(country)) return { ok: false, reason: 'country_not_allowed' };
  return { ok: true, e164: parsed.number, country };
}

/** A number an administrator configures (agent numbers, notices): valid E.164, any callable type. */
export function isConfiguredNumber(value: string): boolean {
  if (!/^\+[1-9][0-9]{6,14}$/.test(value)) return false;
  const parsed = parsePhoneNumberFromString(value);
  return Boolean(parsed?.isValid() && parsed.number === value);
}

/** The widget's country picker: each allowed country with its calling code (unknown codes left out). */
export function countryPicker(allowedCountries: readonly string[]): { code: string; callingCode: string }[] {
  return allowedCountries.flatMap((code) => {
    try {
      return [{ code, callingCode: getCountryCallingCode(code as CountryCode) }];
    } catch {
      return [];
    }
  });
}
