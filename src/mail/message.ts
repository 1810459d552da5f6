import { z } from 'zod';

// CR, LF and NUL end a header line: a subject or name carrying one could add headers (Bcc:) to a message
// (ASVS 1.3.11). Such values are refused, never stripped, so a bug shows instead of a silently changed mail.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const LINE_BREAK = /[\r\n\u0000\u2028\u2029]/;

export function isSingleLine(value: string): boolean {
  return !LINE_BREAK.test(value);
}

const singleLine = (max: number) =>
  z.string().min(1).max(max).refine(isSingleLine, 'must not contain line breaks');

/** One plain-text message. Addresses are the stored canonical ones; only these fields reach headers. */
export const ZMailMessage = z.object({
  /** Unique per message: the outbox key and the Message-ID, so a retried job delivers it once. */
  id: z.uuid(),
  to: z.email().max(254).refine(isSingleLine),
  subject: singleLine(200),
  text: z.string().min(1).max(100_000),
});
export type TMailMessage = z.infer<typeof ZMailMessage>;

/** Throws when the configured sender (MAIL_FROM) could inject headers. */
export function assertSafeFrom(from: string): void {
  if (!isSingleLine(from)) throw new Error('MAIL_FROM must not contain line breaks');
}
