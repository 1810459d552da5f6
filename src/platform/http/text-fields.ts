import { z } from 'zod';

/**
 * The one policy for text people type (names, notes, messages). Every such field is trimmed, must not be
 * blank, and must not hold characters that change how other text is displayed:
 * - control characters (C0, DEL, C1): they forge log lines, break mail headers and confuse terminals;
 * - bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what
 *   follows them, so "Acme\u202Etxt.exe" reads as another name in an invitation mail or a list.
 * One-line values (names) also refuse line and paragraph separators and the invisible direction marks
 * (U+200E, U+200F, U+061C), which have no place in a name; written texts keep tabs and line breaks, and
 * the marks, which right-to-left writers use in mixed-direction sentences.
 */
// \p{Cc}: exactly C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F).
const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;
const BIDI_OVERRIDE = /[\u202a-\u202e\u2066-\u2069]/u;
const NOT_IN_A_LINE = /[\u2028\u2029\u200e\u200f\u061c]/u;

export const TEXT_POLICY_MESSAGES = {
  blank: 'must not be blank',
  control: 'must not contain control characters',
  bidi: 'must not contain text-direction override characters',
  lineBreak: 'must be a single line',
} as const;

/** The reason a one-line value breaks the policy, or undefined when it is acceptable (after trimming). */
export function lineProblem(value: string): string | undefined {
  if (CONTROL.test(value)) return TEXT_POLICY_MESSAGES.control;
  if (BIDI_OVERRIDE.test(value)) return TEXT_POLICY_MESSAGES.bidi;
  if (NOT_IN_A_LINE.test(value)) return TEXT_POLICY_MESSAGES.lineBreak;
  return undefined;
}

/** The reason a written text breaks the policy, or undefined when it is acceptable (after trimming). */
export function textProblem(value: string): string | undefined {
  if (CONTROL_EXCEPT_LINE_BREAKS.test(value)) return TEXT_POLICY_MESSAGES.control;
  if (BIDI_OVERRIDE.test(value)) return TEXT_POLICY_MESSAGES.bidi;
  return undefined;
}

function checked(max: number, problem: (value: string) => string | undefined) {
  return z
    .string()
    .trim()
    .min(1, TEXT_POLICY_MESSAGES.blank)
    .max(max)
    .superRefine((value, ctx) => {
      const message = problem(value);
      if (message) ctx.addIssue({ code: 'custom', message });
    });
}

/** A one-line value (a name, a reason): trimmed, not blank, one line, nothing that reorders text. */
export function ZLine(max: number) {
  return checked(max, lineProblem);
}

/** A written text (a note, a message): like ZLine, but tabs and line breaks are kept. */
export function ZText(max: number) {
  return checked(max, textProblem);
}
