import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, wantsPrettyLogs } from './logger.js';

function collector() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log format', () => {
  it('is pretty only in development on a terminal', () => {
    expect(wantsPrettyLogs('development', { isTTY: true })).toBe(true);
    expect(wantsPrettyLogs('development', { isTTY: false })).toBe(false);
    expect(wantsPrettyLogs('development', {})).toBe(false);
    expect(wantsPrettyLogs('production', { isTTY: true })).toBe(false);
    expect(wantsPrettyLogs('test', { isTTY: true })).toBe(false);
  });

  it('writes readable lines through pino-pretty, still redacted and scrubbed of secrets', async () => {
    const out = collector();
    const secret = 'super-secret-value-0123456789abcdef';
    const logger = createLogger({ level: 'info', secrets: [secret], destination: out.stream, pretty: true });
    logger.info({ headers: { authorization: 'Bearer abc' }, note: `key ${secret}` }, 'server listening');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = out.text();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: server listening/);
    expect(() => JSON.parse(text)).toThrow();
    expect(text).not.toContain(secret);
    expect(text).not.toContain('Bearer abc');
  });

  it('writes JSON lines otherwise', async () => {
    const out = collector();
    const logger = createLogger({ level: 'info', secrets: [], destination: out.stream });
    logger.info('server listening');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, msg: 'server listening' });
  });
});
