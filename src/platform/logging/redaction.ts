/** Keys whose values are credentials wherever they appear (first two levels of a log object). */
const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'secretKey',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'appSecret',
  'verifyToken',
  'authorization',
  'cookie',
  'connectionString',
];
/** Personal data: masked rather than removed, so a log line stays useful for support. */
const PII_KEYS = ['phone', 'phoneNumber', 'phoneE164', 'email', 'from', 'to', 'waId'];
/** Customer-written content: omitted unless the log level is debug or trace. */
const BODY_KEYS = ['body', 'text', 'caption'];

const HEADER_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-metrics-token"]',
  'res.headers["set-cookie"]',
];

const atTwoLevels = (keys: string[]) => keys.flatMap((key) => [key, `*.${key}`]);

export function redactPaths(includeBodies: boolean): string[] {
  return [
    ...HEADER_PATHS,
    ...atTwoLevels(SECRET_KEYS),
    ...atTwoLevels(PII_KEYS),
    ...(includeBodies ? [] : atTwoLevels(BODY_KEYS)),
  ];
}

const PII_KEY_SET = new Set(PII_KEYS);

export function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1] ?? '';
  if (PII_KEY_SET.has(key) && typeof value === 'string') return maskPersonalData(value);
  return '[REDACTED]';
}

// E.164-looking numbers (with or without the plus, 8 to 15 digits, spaces/dashes/brackets; dots are left
// out so IP addresses stay readable) and e-mail
// addresses. Digit runs inside longer tokens (ids, timestamps) are left alone by the boundaries.
const PHONE_PATTERN = /(?<![\w.+-])\+?\d[\d ()-]{6,18}\d(?![\w@.])/g;
const EMAIL_PATTERN = /[\w.%+-]{1,64}@([\w-]{1,63}\.)+[a-z]{2,24}/gi;

export function maskPersonalData(text: string): string {
  return text
    .replace(EMAIL_PATTERN, (email) => `${email[0]}***@${email.slice(email.indexOf('@') + 1)}`)
    .replace(PHONE_PATTERN, (match) => {
      const digits = match.replace(/\D/g, '');
      if (digits.length < 8 || digits.length > 15) return match;
      return `${match.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}******${digits.slice(-2)}`;
    });
}

/**
 * Last line of defence on the serialized line: configured secret values become [REDACTED] and personal
 * data in free text (error messages, URLs) is masked. Numbers in JSON values such as `"time":1732...`
 * are not touched because they are not free text: only string contents are masked.
 */
export function createLineScrubber(secrets: readonly string[]): (line: string) => string {
  const secretList = [...new Set(secrets.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
  return (line) => {
    let result = line;
    for (const secret of secretList) {
      if (result.includes(secret)) result = result.split(secret).join('[REDACTED]');
    }
    return result.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, content: string) => {
      const masked = maskPersonalData(content);
      return masked === content ? whole : `"${masked}"`;
    });
  };
}
