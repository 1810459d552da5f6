import { describe, expect, it } from 'vitest';
import { signLead, TOLERANCE_SECONDS, verifyLeadSignature } from './lead-signature.js';

const SECRET = 'whsec_current_secret_value_0123456789';
const OLD = 'whsec_previous_secret_value_987654321';
const NOW = 1_800_000_000_000;
const TS = String(NOW / 1000);
const BODY = Buffer.from('{"phone":"+393331234567"}');

const verify = (timestamp: string | string[] | undefined, signature: string | string[] | undefined) =>
  verifyLeadSignature(BODY, { timestamp, signature }, [SECRET, OLD], NOW);

describe('lead delivery signatures', () => {
  it('accepts the HMAC of "<timestamp>.<raw body>" under the current or the previous secret', () => {
    expect(verify(TS, signLead(SECRET, TS, BODY))).toBe('valid');
    expect(verify(TS, signLead(OLD, TS, BODY))).toBe('valid');
    expect(signLead(SECRET, TS, BODY)).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('refuses another body, another timestamp or another secret', () => {
    expect(verify(TS, signLead(SECRET, TS, `${BODY} `))).toBe('mismatch');
    expect(verify(TS, signLead(SECRET, String(Number(TS) - 1), BODY))).toBe('mismatch');
    expect(verify(TS, signLead('another-secret', TS, BODY))).toBe('mismatch');
  });

  it('refuses timestamps more than five minutes away, in the past or in the future', () => {
    const at = (offset: number) => String(Number(TS) + offset);
    expect(verify(at(-TOLERANCE_SECONDS), signLead(SECRET, at(-TOLERANCE_SECONDS), BODY))).toBe('valid');
    expect(verify(at(-TOLERANCE_SECONDS - 1), signLead(SECRET, at(-TOLERANCE_SECONDS - 1), BODY))).toBe(
      'stale',
    );
    expect(verify(at(TOLERANCE_SECONDS + 1), signLead(SECRET, at(TOLERANCE_SECONDS + 1), BODY))).toBe(
      'stale',
    );
  });

  it('refuses missing, duplicated, float, negative, upper-case and truncated values', () => {
    const good = signLead(SECRET, TS, BODY);
    expect(verify(undefined, good)).toBe('missing');
    expect(verify(TS, undefined)).toBe('missing');
    expect(verify([TS, TS], good)).toBe('malformed');
    expect(verify(TS, [good, good])).toBe('malformed');
    expect(verify(`${TS}.5`, good)).toBe('malformed');
    expect(verify(`-${TS}`, good)).toBe('malformed');
    expect(verify(TS, good.toUpperCase())).toBe('malformed');
    expect(verify(TS, `v1=${good.slice(3).toUpperCase()}`)).toBe('malformed');
    expect(verify(TS, good.slice(0, -2))).toBe('malformed');
    expect(verify(TS, `${good},${good}`)).toBe('malformed');
    expect(verify(TS, good.replace('v1=', 'v0='))).toBe('malformed');
  });
});
