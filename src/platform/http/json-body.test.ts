import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { parseJsonBody } from './json-body.js';

const MAX_DEPTH = 32;

function parse(text: string | Buffer, maxDepth = MAX_DEPTH): unknown {
  return parseJsonBody(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, maxDepth);
}

function rejection(text: string | Buffer, maxDepth = MAX_DEPTH): AppError {
  try {
    parse(text, maxDepth);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('bad_request');
    expect((error as AppError).status).toBe(400);
    return error as AppError;
  }
  throw new Error(`expected ${String(text).slice(0, 40)} to be rejected`);
}

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('parseJsonBody', () => {
  it('parses an ordinary JSON document', () => {
    expect(parse('{"name":"Ada","tags":["a","b"],"n":1.5,"ok":true,"none":null}')).toEqual({
      name: 'Ada',
      tags: ['a', 'b'],
      n: 1.5,
      ok: true,
      none: null,
    });
  });

  it('accepts nesting exactly at the cap and rejects one level more', () => {
    expect(() => parse(nestedArrays(MAX_DEPTH))).not.toThrow();
    expect(() => parse(nestedObjects(MAX_DEPTH))).not.toThrow();
    expect(rejection(nestedArrays(MAX_DEPTH + 1)).message).toMatch(/nested deeper than 32/);
    expect(rejection(nestedObjects(MAX_DEPTH + 1)).message).toMatch(/nested deeper than 32/);
  });

  it('counts depth across mixed arrays and objects', () => {
    const mixed = (depth: number) => `${'[{"a":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`;
    expect(() => parse(mixed(4), 4)).not.toThrow();
    rejection(mixed(6), 4);
  });

  it('does not count brackets inside strings towards the depth', () => {
    expect(parse(`{"a":"${'['.repeat(100)}"}`, 2)).toEqual({ a: '['.repeat(100) });
  });

  it('rejects a 100k-deep array quickly and without overflowing the stack', () => {
    const started = performance.now();
    rejection(nestedArrays(100_000));
    rejection(`${'['.repeat(100_000)}`);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('rejects an escaped NUL character', () => {
    expect(rejection('{"name":"a\\u0000b"}').message).toMatch(/NUL/);
  });

  it('accepts an escaped backslash followed by the text u0000, which is not a NUL', () => {
    expect(parse('{"name":"\\\\u0000"}')).toEqual({ name: '\\u0000' });
  });

  it('rejects a lone high surrogate escape', () => {
    expect(rejection('{"t":"\\ud83d"}').message).toMatch(/surrogate/);
    expect(rejection('{"t":"\\ud83dx"}').message).toMatch(/surrogate/);
    expect(rejection('{"t":"\\ud83d\\u0041"}').message).toMatch(/surrogate/);
  });

  it('rejects a lone low surrogate escape', () => {
    expect(rejection('{"t":"\\ude00"}').message).toMatch(/surrogate/);
    expect(rejection('{"t":"ab\\ude00"}').message).toMatch(/surrogate/);
  });

  it('rejects a lone low surrogate that follows an escaped backslash and the text ud83d', () => {
    // The JSON text "\\ud83d\ude00" is a backslash, the letters ud83d, then an unpaired low surrogate.
    expect(rejection('{"t":"\\\\ud83d\\ude00"}').message).toMatch(/surrogate/);
  });

  it('accepts a valid surrogate pair and decodes it', () => {
    expect(parse('{"t":"\\ud83d\\ude00"}')).toEqual({ t: '😀' });
    expect(parse('{"t":"\\ud83d\\ude00\\ud83d\\ude01"}')).toEqual({ t: '😀😁' });
    expect(parse('{"t":"😀"}')).toEqual({ t: '😀' });
  });

  it('rejects invalid UTF-8 bytes', () => {
    const overlong = Buffer.concat([Buffer.from('{"t":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    const invalid = Buffer.concat([Buffer.from('{"t":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(rejection(overlong).message).toMatch(/UTF-8/);
    expect(rejection(invalid).message).toMatch(/UTF-8/);
  });

  it('rejects a lone surrogate encoded directly as UTF-8 bytes (ED A0 80)', () => {
    const encodedSurrogate = Buffer.concat([
      Buffer.from('{"t":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    rejection(encodedSurrogate);
  });

  it('rejects __proto__ keys, also nested', () => {
    expect(rejection('{"__proto__":{"isAdmin":true}}').message).toMatch(/forbidden key/);
    rejection('{"a":{"b":{"__proto__":{"isAdmin":true}}}}');
    rejection('{"\\u005f_proto__":{"isAdmin":true}}');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('rejects constructor.prototype keys', () => {
    expect(rejection('{"constructor":{"prototype":{"isAdmin":true}}}').message).toMatch(/forbidden key/);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('rejects malformed JSON', () => {
    for (const text of ['{', '{"a":1,}', "{'a':1}", '{"a":1} trailing', '', 'undefined', '[1,2']) {
      expect(rejection(text).message, text).toMatch(/not valid JSON/);
    }
  });
});
