import secureJson from 'secure-json-parse';
import { AppError } from './app-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses a JSON request body strictly: valid UTF-8 only, nesting no deeper than `maxDepth` (checked in a
 * single pass before any recursive parser sees it), no `\u0000` and no lone surrogates (PostgreSQL text
 * cannot hold them), and no `__proto__` / `constructor.prototype` keys.
 */
export function parseJsonBody(raw: Buffer, maxDepth: number): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (cause) {
    throw new AppError('bad_request', 'Request body is not valid UTF-8', { cause });
  }
  assertSafeStructure(text, maxDepth);
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (cause) {
    const message = (cause as Error).message ?? '';
    if (message.includes('forbidden prototype property')) {
      throw new AppError('bad_request', 'Request body contains a forbidden key (__proto__ or constructor)', {
        cause,
      });
    }
    throw new AppError('bad_request', 'Request body is not valid JSON', { cause });
  }
}

function assertSafeStructure(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === QUOTE) inString = false;
      else if (c === BACKSLASH) {
        if (text.charCodeAt(i + 1) === 0x75 /* u */) checkUnicodeEscape(text, i);
        i++;
      } else if (c >= 0xd800 && c <= 0xdfff) {
        // Raw surrogates cannot come out of a valid UTF-8 decode, but be explicit.
        throw new AppError('bad_request', 'Request body contains an invalid character');
      }
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) {
        throw new AppError('bad_request', `Request body is nested deeper than ${maxDepth} levels`);
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
}

function checkUnicodeEscape(text: string, backslashAt: number): void {
  const code = readEscape(text, backslashAt);
  if (code === 0) throw new AppError('bad_request', 'Request body contains a NUL character');
  if (code >= 0xd800 && code <= 0xdbff) {
    if (
      !(text.charCodeAt(backslashAt + 6) === BACKSLASH && isLowSurrogate(readEscape(text, backslashAt + 6)))
    ) {
      throw new AppError('bad_request', 'Request body contains an unpaired surrogate');
    }
  } else if (code >= 0xdc00 && code <= 0xdfff) {
    const previous = backslashAt >= 6 ? readEscape(text, backslashAt - 6) : -1;
    if (!(previous >= 0xd800 && previous <= 0xdbff && text.charCodeAt(backslashAt - 6) === BACKSLASH)) {
      throw new AppError('bad_request', 'Request body contains an unpaired surrogate');
    }
  }
}

function readEscape(text: string, backslashAt: number): number {
  if (text.charCodeAt(backslashAt + 1) !== 0x75) return -1;
  const hex = text.slice(backslashAt + 2, backslashAt + 6);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? Number.parseInt(hex, 16) : -1;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
