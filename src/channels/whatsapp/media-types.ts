/** The media types WhatsApp Cloud API supports (Meta's "Supported media types"); nothing else is stored. */
const SUPPORTED = new Set([
  'audio/aac',
  'audio/amr',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'image/jpeg',
  'image/png',
  'image/webp',
  'video/3gpp',
  'video/mp4',
  'text/plain',
  'application/pdf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
]);

/** The bare, lower-case type of a MIME value (`audio/ogg; codecs=opus` → `audio/ogg`). */
export function baseMimeType(value: string | undefined | null): string | undefined {
  const base = value?.split(';')[0]?.trim().toLowerCase();
  return base || undefined;
}

export function isSupportedMediaType(value: string | undefined | null): boolean {
  const base = baseMimeType(value);
  return base !== undefined && SUPPORTED.has(base);
}

/**
 * Meta gives SHA-256 as hex (media endpoint) or base64 (webhooks); both are accepted. Returns the hex
 * digest, or undefined when the value is neither.
 */
export function normaliseSha256(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}
