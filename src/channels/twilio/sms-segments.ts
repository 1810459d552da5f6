/**
 * How many SMS segments a text costs, as carriers count them: GSM-7 when every character is in the GSM
 * 03.38 alphabet (its extension characters take two septets), else UCS-2 (UTF-16 code units, so an emoji
 * takes two). One segment holds 160 septets / 70 units; a concatenated message's segments hold 153 / 67,
 * and a character is never split between two segments. Pure; shared by the dashboard's composer.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Units left in the last segment before another one starts. */
  remaining: number;
}

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

const LIMITS: Record<SmsEncoding, { single: number; multi: number }> = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
};

function gsmUnits(characters: readonly string[]): number[] | undefined {
  const units: number[] = [];
  for (const character of characters) {
    if (GSM_BASIC.has(character)) units.push(1);
    else if (GSM_EXTENSION.has(character)) units.push(2);
    else return undefined;
  }
  return units;
}

export function smsSegments(text: string): SmsSegments {
  const characters = [...text];
  const gsm = gsmUnits(characters);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const units = gsm ?? characters.map((character) => character.length);
  const total = units.reduce((sum, unit) => sum + unit, 0);
  const { single, multi } = LIMITS[encoding];
  if (total === 0) return { encoding, units: 0, segments: 0, remaining: single };
  if (total <= single) return { encoding, units: total, segments: 1, remaining: single - total };
  let segments = 1;
  let used = 0;
  for (const unit of units) {
    if (used + unit > multi) {
      segments++;
      used = 0;
    }
    used += unit;
  }
  return { encoding, units: total, segments, remaining: multi - used };
}
