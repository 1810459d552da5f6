import { z } from 'zod';

/** C0 controls and DEL: they would let a name forge log lines, break mail text or confuse a terminal. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const singleLineName = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !hasControlCharacter(value), 'must not contain control characters');

export const ZWorkspaceName = singleLineName(200);
export const ZDisplayName = singleLineName(200);

/** Length and common-password rules are checked by assertAcceptablePassword; this bound stops huge bodies. */
export const ZNewPassword = z.string().max(1024);
