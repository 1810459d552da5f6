/**
 * The media types WhatsApp Cloud API supports (Meta's "Supported media types"), each with the file
 * extension a download is saved under; nothing else is stored.
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/3gpp': '3gp',
  'video/mp4': 'mp4',
  'text/plain': 'txt',
  'application/pdf': 'pdf',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};
const SUPPORTED = new Set(Object.keys(EXTENSIONS));

/** The extension files of a supported type are saved with (undefined for anything else). */
export function mediaExtension(value: string | undefined | null): string | undefined {
  const base = baseMimeType(value);
  return base === undefined ? undefined : EXTENSIONS[base];
}

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
