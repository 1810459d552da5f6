import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../../test/support/log-capture.js';
import { createLineScrubber, maskPersonalData } from './redaction.js';

/** pino writes asynchronously to the capture stream; flush and parse every line written so far. */
async function logged(capture: ReturnType<typeof captureLogger>): Promise<Record<string, unknown>[]> {
  capture.logger.flush();
  await new Promise((resolve) => setImmediate(resolve));
  return capture.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('maskPersonalData', () => {
  it.each([
    ['+393331234567', '+39******67'],
    ['393331234567', '39******67'],
    ['+39 333 123 4567', '+39******67'],
    ['+1-415-555-0100', '+14******00'],
    ['+44 (20) 7946 0958', '+44******58'],
  ])('masks the phone number %s as %s', (phone, masked) => {
    expect(maskPersonalData(`call ${phone} today`)).toBe(`call ${masked} today`);
  });

  it('masks e-mail addresses, keeping the first letter and the domain', () => {
    expect(maskPersonalData('from ada.lovelace@example.com, cc Bob+x@mail.example.org')).toBe(
      'from a***@example.com, cc B***@mail.example.org',
    );
  });

  it.each([
    '2026-11-23T10:15:30.123Z',
    '2026-11-23T10:15:30+01:00',
    '2026-11-23 10:15:30.123+00',
    '2026-11-23',
  ])('leaves the timestamp %s intact', (timestamp) => {
    expect(maskPersonalData(`at ${timestamp} done`)).toBe(`at ${timestamp} done`);
  });

  it.each([
    '10.0.0.1',
    '192.168.100.200',
    '3f2c1e8a-9b7d-4c6e-8a1f-2b3c4d5e6f70',
    '01939b2e-7c6f-7000-8000-123456789012',
  ])('leaves the address or id %s intact', (value) => {
    expect(maskPersonalData(`client ${value} seen`)).toBe(`client ${value} seen`);
  });

  it('leaves numbers too short to be phone numbers alone', () => {
    expect(maskPersonalData('order 1234567 of 3 items')).toBe('order 1234567 of 3 items');
  });
});

describe('ids in log lines', () => {
  // Where ids sit in real lines: a message, a URL path, a JSON field, next to a phone number.
  const contexts = [
    (id: string) => `request ${id} failed`,
    (id: string) => `GET /api/v1/conversations/${id}/messages?cursor=~`,
    (id: string) => `{"requestId":"${id}","msg":"done"}`,
    (id: string) => `(${id}) id=${id}, ${id}.`,
  ];

  it('leaves a million random UUIDs intact, while the phone numbers beside them are masked', () => {
    const scrub = createLineScrubber([]);
    let corrupted = 0;
    let phonesMasked = 0;
    for (let i = 0; i < 250_000; i++) {
      const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const line = contexts.map((context, n) => context(ids[n] as string)).join(' ');
      const masked = maskPersonalData(`${line} to +393331234567`);
      if (!masked.startsWith(line)) corrupted++;
      if (masked.endsWith('to +39******67')) phonesMasked++;
    }
    expect(corrupted).toBe(0);
    expect(phonesMasked).toBe(250_000);
    // The serialized-line path too (the logger's last step), on a sample.
    for (let i = 0; i < 10_000; i++) {
      const id = randomUUID();
      expect(JSON.parse(scrub(JSON.stringify({ requestId: id, msg: `call +14155550100 ${id}` })))).toEqual({
        requestId: id,
        msg: `call +14******00 ${id}`,
      });
    }
    // A few seconds on an idle machine; room for a shared one.
  }, 60_000);

  it.each([
    '12345678-1234-1234-1234-123456789012',
    '86123456-7812-3ab4-9def-0123456789ab',
    '00000000-0000-0000-0000-000000000000',
  ])('leaves the all-digit-headed UUID %s intact', (id) => {
    expect(maskPersonalData(`request ${id} failed`)).toBe(`request ${id} failed`);
  });
});

describe('createLineScrubber', () => {
  it('replaces every configured secret in a serialized line', () => {
    const scrub = createLineScrubber(['s3cr3t-value-1', 'another-secret-2']);
    const line = JSON.stringify({
      msg: 'failed with s3cr3t-value-1 and another-secret-2 and s3cr3t-value-1',
    });
    const scrubbed = scrub(line);
    expect(scrubbed).not.toContain('s3cr3t-value-1');
    expect(scrubbed).not.toContain('another-secret-2');
    expect(JSON.parse(scrubbed).msg).toBe('failed with [REDACTED] and [REDACTED] and [REDACTED]');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const scrub = createLineScrubber(['abcdef', 'abcdefghij']);
    expect(scrub('"x abcdefghij y"')).toBe('"x [REDACTED] y"');
  });

  it('ignores values shorter than six characters, which would shred ordinary text', () => {
    expect(createLineScrubber(['info'])('"level info"')).toBe('"level info"');
  });

  it('masks personal data inside string values but not numbers', () => {
    const scrub = createLineScrubber([]);
    const line = JSON.stringify({ time: 17323557301234, msg: 'message to +393331234567' });
    expect(JSON.parse(scrub(line))).toEqual({ time: 17323557301234, msg: 'message to +39******67' });
  });
});

describe('logger redaction', () => {
  it('never writes secret request headers', async () => {
    const capture = captureLogger();
    const headers = {
      authorization: 'Bearer header-token-1',
      cookie: 'sid=cookie-value-2',
      'x-hub-signature-256': 'sha256=signature-3',
      'user-agent': 'curl/8',
    };
    capture.logger.info({ req: { method: 'POST', url: '/hooks', headers } }, 'request');
    capture.logger.warn({ headers }, 'bad signature');
    const [request, warning] = await logged(capture);
    expect(request?.req).toEqual({ method: 'POST', url: '/hooks', userAgent: 'curl/8' });
    expect(warning?.headers).toEqual({
      authorization: '[REDACTED]',
      cookie: '[REDACTED]',
      'x-hub-signature-256': '[REDACTED]',
      'user-agent': 'curl/8',
    });
    for (const value of ['header-token-1', 'cookie-value-2', 'signature-3']) {
      expect(capture.text()).not.toContain(value);
    }
  });

  it('redacts credential keys at the top level and one level down', async () => {
    const capture = captureLogger();
    capture.logger.info(
      {
        password: 'pw-top',
        token: 'token-top',
        apiKey: 'key-top',
        provider: { password: 'pw-nested', token: 'token-nested', apiKey: 'key-nested', name: 'acme' },
      },
      'connecting',
    );
    const [line] = await logged(capture);
    expect(line).toMatchObject({
      password: '[REDACTED]',
      token: '[REDACTED]',
      apiKey: '[REDACTED]',
      provider: { password: '[REDACTED]', token: '[REDACTED]', apiKey: '[REDACTED]', name: 'acme' },
    });
    expect(capture.text()).not.toMatch(/pw-|token-|key-/);
  });

  it('scrubs configured secrets wherever they appear, even in messages and errors', async () => {
    const capture = captureLogger({ secrets: ['configured-secret-value'] });
    capture.logger.error(
      { err: new Error('auth failed for configured-secret-value') },
      'configured-secret-value',
    );
    await logged(capture);
    expect(capture.text()).not.toContain('configured-secret-value');
    expect(capture.text()).toContain('[REDACTED]');
  });

  it('masks phone numbers and e-mail addresses under personal-data keys', async () => {
    const capture = captureLogger();
    capture.logger.info({ phone: '+393331234567', contact: { email: 'ada@example.com' } }, 'contact');
    const [line] = await logged(capture);
    expect(line).toMatchObject({ phone: '+39******67', contact: { email: 'a***@example.com' } });
  });

  it('omits message bodies at info level', async () => {
    const capture = captureLogger({ level: 'info' });
    capture.logger.info({ text: 'hello from the customer', message: { body: 'my order please' } }, 'inbound');
    const [line] = await logged(capture);
    expect(capture.text()).not.toContain('hello from the customer');
    expect(capture.text()).not.toContain('my order please');
    expect(line?.msg).toBe('inbound');
  });

  it('keeps message bodies at debug level', async () => {
    const capture = captureLogger({ level: 'debug' });
    capture.logger.debug(
      { text: 'hello from the customer', message: { body: 'my order please' } },
      'inbound',
    );
    const [line] = await logged(capture);
    expect(line).toMatchObject({ text: 'hello from the customer', message: { body: 'my order please' } });
  });
});
