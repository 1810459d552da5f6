import { z } from 'zod';

const isControl = (char: string) => {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
};
// Tabs and line breaks belong in a written text; other control characters only ever confuse a display.
const isBadInText = (char: string) => isControl(char) && char !== '\t' && char !== '\n' && char !== '\r';

/** A one-line value (a name, a reason): trimmed, no control characters, so it cannot forge lines. */
export function ZLine(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => ![...value].some(isControl), 'must not contain control characters');
}

/** A written text (a note, a canned reply): line breaks allowed, other control characters not. */
export function ZText(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => value.trim().length > 0, 'must not be empty')
    .refine((value) => ![...value].some(isBadInText), 'must not contain control characters');
}
