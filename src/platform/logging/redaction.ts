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

const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'x-api-key',
  'x-hub-signature-256',
  'x-twilio-signature',
  'x-metrics-token',
];
// Under `req` (a request) and under a bare `headers` (`log.warn({ headers: request.headers })`).
const HEADER_PATHS = [
  ...SECRET_HEADERS.flatMap((name) => [`req.headers["${name}"]`, `headers["${name}"]`]),
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
];

const atTwoLevels = (keys: string[]) => keys.flatMap((key) => [key, `*.${key}`]);

// graphile-worker passes the whole job row as log metadata (failed and completed tasks); its payload is the
// task's input, i.e. customer data nested deeper than the key paths above reach.
const JOB_PAYLOAD_PATHS = ['job.payload'];

export function redactPaths(includeBodies: boolean): string[] {
  return [
    ...HEADER_PATHS,
    ...atTwoLevels(SECRET_KEYS),
    ...atTwoLevels(PII_KEYS),
    ...(includeBodies ? [] : [...atTwoLevels(BODY_KEYS), ...JOB_PAYLOAD_PATHS]),
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
// In a logged URL path the plus and the at sign usually arrive percent-encoded (`%2B`, `%40`).
// A hyphen followed by a word character continues a token: without that boundary the all-digit head of a
// UUID (`86123456-7812-3ab4-...`) looked like a dashed phone number and was masked (2% of request ids).
const PHONE_PATTERN = /(?<![\w.+-])(?:\+|%2[Bb])?\d[\d ()-]{6,18}\d(?!-?[\w@.])/g;
const PHONE_PREFIX = /^(?:\+|%2b)/i;
// `2026-11-23` and `2026-11-23 10:15:30` (PostgreSQL's format) look like numbers with dashes; a date stays.
const ISO_DATE_START = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?!\d)/;
const EMAIL_PATTERN = /([\w.%+-]{1,64})(@|%40)((?:[\w-]{1,63}\.)+[a-z]{2,24})/gi;

// Cheap pre-checks: most log strings hold no address and too few digits, and the patterns' look-behinds
// cost a scan per position.
const MAY_HOLD_EMAIL = /@|%40/i;
const MAY_HOLD_PHONE = /\d{2}/;

export function maskPersonalData(text: string): string {
  const emailsMasked = MAY_HOLD_EMAIL.test(text) ? maskEmails(text) : text;
  return MAY_HOLD_PHONE.test(emailsMasked) ? maskPhones(emailsMasked) : emailsMasked;
}

function maskEmails(text: string): string {
  return text.replace(
    EMAIL_PATTERN,
    (_email, local: string, at: string, domain: string) => `${local[0]}***${at}${domain}`,
  );
}

function maskPhones(text: string): string {
  return text.replace(PHONE_PATTERN, (match) => {
    const prefix = PHONE_PREFIX.exec(match)?.[0] ?? '';
    const number = match.slice(prefix.length);
    const digits = number.replace(/\D/g, '');
    if (digits.length < 8 || digits.length > 15 || ISO_DATE_START.test(number)) return match;
    return `${prefix}${digits.slice(0, 2)}******${digits.slice(-2)}`;
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
