import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OutboundError } from './errors.js';
import { createOutboundClient, type OutboundClient } from './outbound-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A scripted HTTP server on loopback: each request takes the next handler (the last one repeats). */
let handlers: Handler[] = [];
let seen: { method: string; url: string }[] = [];
let server: Server;
let port: number;
let origin: string;
const clients: OutboundClient[] = [];

function script(...next: Handler[]) {
  handlers = next;
  seen = [];
}
const reply =
  (status: number, body = '{}', headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

function client(options: Partial<Parameters<typeof createOutboundClient>[0]> = {}): OutboundClient {
  const created = createOutboundClient({
    connectTimeoutMs: 1_000,
    timeoutMs: 2_000,
    retry: { maxRetries: 0, initialDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 3_000 },
    ...options,
  });
  clients.push(created);
  return created;
}

async function failureOf(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)];
    handler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('SSRF guard (guarded requests)', () => {
  it.each([
    ['loopback IPv4', 'https://127.0.0.1:PORT/x'],
    ['10/8', 'https://10.1.2.3/x'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['loopback IPv6', 'https://[::1]:PORT/x'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]:PORT/x'],
    ['unique-local IPv6', 'https://[fc00::1]/x'],
    ['a name resolving to loopback', 'https://localhost:PORT/x'],
  ])('refuses %s without reaching it', async (_name, url) => {
    script(reply(200));
    const error = await failureOf(
      client().request({
        method: 'GET',
        url: url.replace('PORT', String(port)),
        guarded: true,
        maxBytes: 1024,
      }),
    );
    expect(error.failure).toBe('refused_address');
    expect(error.retryable).toBe(false);
    expect(seen).toHaveLength(0);
  });

  it('refuses plain http:// for a destination that is not allow-listed', async () => {
    const error = await failureOf(
      client().request({ method: 'GET', url: 'http://example.com/media', guarded: true, maxBytes: 1024 }),
    );
    expect(error.failure).toBe('refused_address');
    expect(error.message).toContain('plain HTTP');
  });

  it('refuses other schemes', async () => {
    const error = await failureOf(
      client().request({ method: 'GET', url: 'file:///etc/passwd', guarded: true, maxBytes: 1024 }),
    );
    expect(error.failure).toBe('refused_address');
  });

  it('lets an allow-listed host:port through (development and tests only)', async () => {
    script(reply(200, '{"ok":true}'));
    const response = await client({ allowPrivateHosts: [`127.0.0.1:${port}`] }).request({
      method: 'GET',
      url: `${origin}/ok`,
      guarded: true,
      maxBytes: 1024,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true });
  });

  it('refuses a redirect instead of following it', async () => {
    script(reply(302, '', { location: 'http://169.254.169.254/latest/meta-data/' }));
    const error = await failureOf(
      client({ allowPrivateHosts: [`127.0.0.1:${port}`] }).request({
        method: 'GET',
        url: `${origin}/moved`,
        guarded: true,
        maxBytes: 1024,
      }),
    );
    expect(error.failure).toBe('redirect_refused');
    expect(seen).toHaveLength(1);
  });
});

describe('response size cap', () => {
  it('refuses a body whose Content-Length exceeds the cap', async () => {
    script(reply(200, 'x'.repeat(5_000)));
    const error = await failureOf(client().request({ method: 'GET', url: `${origin}/big`, maxBytes: 1_000 }));
    expect(error.failure).toBe('too_large');
  });

  it('stops reading a chunked body once it passes the cap', async () => {
    script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(1_000, 1));
      res.end();
    });
    const error = await failureOf(
      client().request({ method: 'GET', url: `${origin}/stream`, maxBytes: 4_000 }),
    );
    expect(error.failure).toBe('too_large');
  });
});

describe('retries', () => {
  it('waits as long as Retry-After asks before trying again', async () => {
    script(reply(503, '{}', { 'retry-after': '1' }), reply(200, '{"n":2}'));
    const started = Date.now();
    const response = await client().request({
      method: 'POST',
      url: `${origin}/send`,
      body: '{}',
      maxBytes: 1024,
      retries: 3,
    });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(2_500);
  });

  it('backs off exponentially on 5xx and gives up after the attempts allowed', async () => {
    script(reply(500));
    const error = await failureOf(
      client().request({ method: 'GET', url: `${origin}/down`, maxBytes: 1024, retries: 2 }),
    );
    expect(error.failure).toBe('http_status');
    expect(error.details.status).toBe(500);
    expect(error.retryable).toBe(true);
    expect(seen).toHaveLength(3);
  });

  it('does not retry an answer the caller calls permanent', async () => {
    script(reply(400, '{"error":{"code":131026}}'));
    const error = await failureOf(
      client().request({
        method: 'GET',
        url: `${origin}/bad`,
        maxBytes: 1024,
        retries: 3,
        isRetryable: () => false,
      }),
    );
    expect(error.retryable).toBe(false);
    expect(error.details.body?.toString()).toContain('131026');
    expect(seen).toHaveLength(1);
  });

  it('does not wait in the call when Retry-After is longer than the in-call limit', async () => {
    script(reply(429, '{}', { 'retry-after': '60' }), reply(200));
    const started = Date.now();
    const error = await failureOf(
      client().request({ method: 'GET', url: `${origin}/busy`, maxBytes: 1024, retries: 3 }),
    );
    expect(error.details.retryAfterMs).toBe(60_000);
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('timeouts', () => {
  it('gives up on a server that does not answer within the timeout', async () => {
    script((_req, res) => {
      setTimeout(() => reply(200)(_req, res), 3_000).unref();
    });
    const started = Date.now();
    const error = await failureOf(
      client({ timeoutMs: 300 }).request({ method: 'GET', url: `${origin}/slow`, maxBytes: 1024 }),
    );
    expect(error.failure).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, stops calling, and closes again after a successful half-open try', async () => {
    script(reply(500));
    const breaking = client({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 } });
    const call = () =>
      breaking.request({ method: 'GET', url: `${origin}/flaky`, maxBytes: 1024, breakerKey: 'channel-a' });
    for (let i = 0; i < 3; i++) expect((await failureOf(call())).failure).toBe('http_status');
    expect(breaking.circuitState('channel-a')).toBe('open');
    for (let i = 0; i < 3; i++) expect((await failureOf(call())).failure).toBe('circuit_open');
    expect(seen).toHaveLength(3);
    // Another key has its own breaker.
    expect(breaking.circuitState('channel-b')).toBe('closed');

    await new Promise((resolve) => setTimeout(resolve, 350));
    handlers = [reply(200)];
    await call();
    expect(breaking.circuitState('channel-a')).toBe('closed');
    expect(seen).toHaveLength(4);
  });

  it('does not count refusals (4xx) as an outage', async () => {
    script(reply(400));
    const breaking = client({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 4; i++) {
      await failureOf(
        breaking.request({ method: 'GET', url: `${origin}/nope`, maxBytes: 1024, breakerKey: 'k' }),
      );
    }
    expect(breaking.circuitState('k')).toBe('closed');
    expect(seen).toHaveLength(4);
  });
});

describe('errors', () => {
  it('name the host but never the path, query or headers', async () => {
    script(reply(500));
    const error = await failureOf(
      client().request({
        method: 'GET',
        url: `${origin}/media/secret-path?token=hunter2`,
        headers: { authorization: 'Bearer sekrit-token' },
        maxBytes: 1024,
      }),
    );
    expect(error.message).toContain(`127.0.0.1:${port}`);
    for (const secret of ['secret-path', 'hunter2', 'sekrit-token'])
      expect(error.message).not.toContain(secret);
  });
});
