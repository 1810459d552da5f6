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
        if (text.charCodeAt(i + 1) === 0x75 /* u */) i += checkUnicodeEscape(text, i);
        i++;
      }
      // Raw surrogates here are always paired: the strict UTF-8 decode turns each 4-byte sequence (an
      // emoji) into a pair and refuses encoded lone surrogates (ED A0 80).
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

/**
 * Checks the `\uXXXX` escape at `backslashAt`; returns how many extra characters to skip (6 when it is a
 * high surrogate whose low half follows, so the pair is consumed as one and a low surrogate met on its
 * own is always unpaired; looking back instead is fooled by an escaped backslash, as in `\\ud83d\ude00`).
 */
function checkUnicodeEscape(text: string, backslashAt: number): number {
  const code = readEscape(text, backslashAt);
  if (code === 0) throw new AppError('bad_request', 'Request body contains a NUL character');
  if (code >= 0xd800 && code <= 0xdbff) {
    if (
      !(text.charCodeAt(backslashAt + 6) === BACKSLASH && isLowSurrogate(readEscape(text, backslashAt + 6)))
    ) {
      throw new AppError('bad_request', 'Request body contains an unpaired surrogate');
    }
    return 6;
  }
  if (isLowSurrogate(code)) {
    throw new AppError('bad_request', 'Request body contains an unpaired surrogate');
  }
  return 0;
}

function readEscape(text: string, backslashAt: number): number {
  if (text.charCodeAt(backslashAt + 1) !== 0x75) return -1;
  const hex = text.slice(backslashAt + 2, backslashAt + 6);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? Number.parseInt(hex, 16) : -1;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
