import { describe, expect, it } from 'vitest';
import { smsSegments } from './sms-segments.js';

describe('smsSegments', () => {
  it('an empty text costs nothing', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0, remaining: 160 });
  });

  it('plain GSM-7 text fits 160 characters in one segment and 153 in each of several', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({
      encoding: 'GSM-7',
      units: 160,
      segments: 1,
      remaining: 0,
    });
    expect(smsSegments('a'.repeat(161))).toEqual({
      encoding: 'GSM-7',
      units: 161,
      segments: 2,
      remaining: 145,
    });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('accented letters of the GSM alphabet stay GSM-7 (è, ñ, Ü, £)', () => {
    expect(smsSegments('Perché è già là? Año, Über £5').encoding).toBe('GSM-7');
  });

  it('extension characters take two septets and are never split between segments', () => {
    expect(smsSegments('€').units).toBe(2);
    expect(smsSegments('{[~]}^|\\').units).toBe(16);
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1, remaining: 0 });
    // 152 septets then an escape pair: the pair moves whole to the second segment.
    const text = `${'a'.repeat(152)}€${'a'.repeat(8)}`;
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: 162, segments: 2, remaining: 143 });
  });

  it('a character outside the GSM alphabet switches the whole text to UCS-2 (70, then 67 per segment)', () => {
    expect(smsSegments('ç'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1, remaining: 0 });
    expect(smsSegments(`${'a'.repeat(70)}ã`)).toEqual({
      encoding: 'UCS-2',
      units: 71,
      segments: 2,
      remaining: 63,
    });
  });

  it('an emoji is two UTF-16 units and is never split between segments', () => {
    expect(smsSegments('👍')).toEqual({ encoding: 'UCS-2', units: 2, segments: 1, remaining: 68 });
    const text = `${'a'.repeat(66)}👍${'a'.repeat(10)}`;
    expect(smsSegments(text)).toEqual({ encoding: 'UCS-2', units: 78, segments: 2, remaining: 55 });
  });
});
