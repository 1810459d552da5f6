import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp, type ZodApp } from '../support/app.js';
import type { CapturedLogger } from '../support/log-capture.js';
import { createUser, PASSWORD } from '../support/sign-in.js';
import { createTestDatabase } from '../support/test-database.js';

const BODY_LIMIT = 64 * 1024;
const MAX_HEADER_BYTES = 4096;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A JSON route for bodies; the application itself has none yet. */
function echoRoute(app: ZodApp): void {
  app.post(
    '/test/echo',
    {
      config: { access: 'public' },
      schema: { body: z.object({ name: z.string().max(100) }) },
    },
    async (request) => ({ received: request.body }),
  );
}

let app: FastifyInstance;
let logs: CapturedLogger;
let baseUrl: string;

beforeAll(async () => {
  ({ app, logs } = await buildTestApp({
    env: { BODY_LIMIT_BYTES: String(BODY_LIMIT), HTTP_MAX_HEADER_BYTES: String(MAX_HEADER_BYTES) },
    extraRoutes: echoRoute,
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes raw bytes to the server and reads until it closes: for what Node's HTTP parser sees first. */
function rawRequest(bytes: string | Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(bytes);
  });
}

/** A POST with a streamed (chunked) body, so no Content-Length tells the server the size up front. */
function chunkedPost(path: string, body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // The server may answer and close before the whole body is written; that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.write(body.subarray(0, body.length / 2));
    req.end(body.subarray(body.length / 2));
  });
}

/** Asserts the error envelope and that its requestId is the one in the X-Request-ID header. */
function expectEnvelope(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  code: string,
) {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { error: { code: string; message: string; requestId: string } };
  expect(body.error).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
  expect(body.error.message.length).toBeGreaterThan(0);
  if (response.headers['x-request-id'] !== undefined) {
    expect(body.error.requestId).toBe(response.headers['x-request-id']);
  }
  return body.error;
}

function postJson(
  payload: string | Buffer,
  contentType = 'application/json',
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': contentType }, payload });
}

describe('JSON request bodies', () => {
  it('a well-formed body reaches the route', async () => {
    const response = await postJson('{"name":"Ada 😀"}');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: { name: 'Ada 😀' } });
  });

  it('malformed JSON is 400 with the error envelope', async () => {
    expectEnvelope(await postJson('{"name":'), 400, 'bad_request');
  });

  it('an empty JSON body is 400', async () => {
    expectEnvelope(await postJson(''), 400, 'bad_request');
  });

  it('a body that does not match the schema is 400 validation_failed with details', async () => {
    const response = await postJson('{"name":5}');
    const error = expectEnvelope(response, 400, 'validation_failed');
    expect(response.json().error.details).toEqual([
      expect.objectContaining({ path: expect.stringContaining('name') }),
    ]);
    expect(error.requestId).toBe(response.headers['x-request-id']);
  });

  it('__proto__ and constructor.prototype keys are 400 and pollute nothing', async () => {
    expectEnvelope(await postJson('{"__proto__":{"isAdmin":true},"name":"x"}'), 400, 'bad_request');
    expectEnvelope(
      await postJson('{"constructor":{"prototype":{"isAdmin":true}},"name":"x"}'),
      400,
      'bad_request',
    );
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('nesting deeper than JSON_MAX_DEPTH is 400, also when 10k levels deep', async () => {
    expectEnvelope(await postJson(`{"name":"x","n":${'['.repeat(32)}${']'.repeat(32)}}`), 400, 'bad_request');
    expectEnvelope(await postJson(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), 400, 'bad_request');
    const response = await postJson(`{"name":"x","n":${'['.repeat(31)}${']'.repeat(31)}}`);
    expect(response.statusCode).toBe(200);
  });

  it('invalid UTF-8 bytes are 400', async () => {
    for (const bytes of [[0xc0, 0xaf], [0xff]]) {
      const payload = Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('"}')]);
      expectEnvelope(await postJson(payload), 400, 'bad_request');
    }
  });

  it('an escaped NUL or a lone surrogate is 400', async () => {
    expectEnvelope(await postJson('{"name":"a\\u0000b"}'), 400, 'bad_request');
    expectEnvelope(await postJson('{"name":"a\\ud800b"}'), 400, 'bad_request');
  });

  it('a body over BODY_LIMIT_BYTES is 413', async () => {
    const payload = JSON.stringify({ name: 'x', pad: 'a'.repeat(BODY_LIMIT) });
    expectEnvelope(await postJson(payload), 413, 'payload_too_large');
  });

  it('a streamed body over BODY_LIMIT_BYTES without Content-Length is 413 over a real socket', async () => {
    const response = await chunkedPost(
      '/test/echo',
      Buffer.from(JSON.stringify({ name: 'x', pad: 'a'.repeat(BODY_LIMIT * 2) })),
    );
    expectEnvelope({ ...response, statusCode: response.status }, 413, 'payload_too_large');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz'])(
    'content type %s is 415',
    async (contentType) => {
      expectEnvelope(await postJson('name=x', contentType), 415, 'unsupported_media_type');
    },
  );

  it('a JSON body with a charset parameter is accepted', async () => {
    const response = await postJson('{"name":"x"}', 'application/json; charset=utf-8');
    expect(response.statusCode).toBe(200);
  });
});

describe('requests Node rejects before routing', () => {
  it('headers larger than HTTP_MAX_HEADER_BYTES are 431 with the JSON envelope', async () => {
    const response = await rawRequest(
      `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(MAX_HEADER_BYTES * 2)}\r\n\r\n`,
    );
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body);
    expect(body.error).toMatchObject({ code: 'headers_too_large', requestId: expect.stringMatching(UUID) });
  });

  it('a bare CR inside a header value is 400 with the JSON envelope and injects nothing', async () => {
    const response = await rawRequest(
      'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: abcdefgh\rSet-Cookie: evil=1\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('bad_request');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('a path parameter over 200 characters is 414 with the JSON envelope, without echoing the path', async () => {
    const marker = `probe${'x'.repeat(300)}`;
    const response = await rawRequest(
      `GET /api/v1/conversations/${marker}/messages HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(response.status).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body);
    expect(body.error).toMatchObject({ code: 'uri_too_long', requestId: expect.stringMatching(UUID) });
    expect(response.body).not.toContain('probe');
  });

  it('a malformed percent-encoding in a path parameter is 400 with the JSON envelope, without echoing it', async () => {
    const response = await rawRequest(
      'GET /api/v1/conversations/probe%E0%A4%A/messages HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error).toMatchObject({
      code: 'bad_request',
      requestId: expect.stringMatching(UUID),
    });
    expect(response.body).not.toContain('probe');
  });

  it('an HTTP/1.1 request without a Host header is 400 with the JSON envelope', async () => {
    const response = await rawRequest('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body);
    expect(body.error).toMatchObject({ code: 'bad_request', requestId: expect.stringMatching(UUID) });
  });

  it('an HTTP/1.0 request without a Host header is still served (Host is optional there)', async () => {
    const response = await rawRequest('GET /health HTTP/1.0\r\n\r\n');
    expect(response.status).toBe(200);
  });

  it('the server still serves normal requests afterwards', async () => {
    const response = await fetch(`${baseUrl}/health`);
    expect(response.status).toBe(200);
  });
});

describe('request ids', () => {
  it('an unknown route is 404 with the error envelope', async () => {
    const response = await app.inject({ method: 'GET', url: '/no/such/route' });
    expectEnvelope(response, 404, 'not_found');
  });

  it.each([
    ['a token', 'trace-1234_abcd.5678'],
    ['a UUID', '3f2c1e8a-9b7d-4c6e-8a1f-2b3c4d5e6f70'],
    ['a short token', 'x'],
  ])(
    'a well-formed X-Request-ID (%s) is logged as clientRequestId, never used as ours',
    async (_label, id) => {
      const response = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': id } });
      const ours = response.headers['x-request-id'];
      expect(ours).toMatch(UUID);
      expect(ours).not.toBe(id);
      expect(expectEnvelope(response, 404, 'not_found').requestId).toBe(ours);
      const logged = logs.lines.map((line) => JSON.parse(line)).filter((line) => line.requestId === ours);
      expect(logged.length).toBeGreaterThan(0);
      for (const line of logged) expect(line.clientRequestId).toBe(id);
    },
  );

  it.each([
    ['spaces', 'has some spaces in it'],
    ['an encoded CRLF', 'abcdefgh%0d%0aSet-Cookie:%20x=1'],
    ['a header-injection attempt', 'abcdefgh\tSet-Cookie: x=1'],
    ['more than 64 characters', 'a'.repeat(65)],
    ['a colon', 'trace:1234'],
    ['angle brackets', '<script>'],
  ])('an X-Request-ID with %s is dropped: a generated uuid, no clientRequestId', async (_label, offered) => {
    const response = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': offered } });
    const echoed = response.headers['x-request-id'];
    expect(echoed).toMatch(UUID);
    expect(expectEnvelope(response, 404, 'not_found').requestId).toBe(echoed);
    expect(response.headers['set-cookie']).toBeUndefined();
    const logged = logs.lines.map((line) => JSON.parse(line)).filter((line) => line.requestId === echoed);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line.clientRequestId).toBeUndefined();
  });

  it('the audit log stores our request id, never the client-chosen one', async () => {
    const database = await createTestDatabase();
    const { app: auditApp } = await buildTestApp({ database });
    try {
      const user = await createUser(database.db);
      const response = await auditApp.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: PASSWORD },
        headers: { 'x-request-id': 'planted-request-id' },
      });
      expect(response.statusCode).toBe(200);
      const rows = await database.ownerDb
        .selectFrom('auditLog')
        .select('requestId')
        .where('actorUserId', '=', user.id)
        .execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.requestId).toBe(response.headers['x-request-id']);
      expect(JSON.stringify(rows)).not.toContain('planted');
    } finally {
      await auditApp.close();
      await database.drop();
    }
  });

  it('each request without an X-Request-ID gets its own uuid', async () => {
    const first = await app.inject({ method: 'GET', url: '/health' });
    const second = await app.inject({ method: 'GET', url: '/health' });
    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).toMatch(UUID);
    expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
  });
});

describe('security headers', () => {
  function expectStrictHeaders(headers: Record<string, unknown>) {
    expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(String(headers['content-security-policy'])).toContain("default-src 'self'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
  }

  it('are sent on success, not-found and rejected responses, without HSTS behind plain http', async () => {
    const responses = [
      await app.inject({ method: 'GET', url: '/health' }),
      await app.inject({ method: 'GET', url: '/nope' }),
      await postJson('{', 'application/json'),
      await postJson('x', 'text/plain'),
    ];
    for (const response of responses) {
      expectStrictHeaders(response.headers);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('include HSTS for a year when PUBLIC_URL is https', async () => {
    const { app: httpsApp } = await buildTestApp({ env: { PUBLIC_URL: 'https://leads.example.com' } });
    try {
      const response = await httpsApp.inject({ method: 'GET', url: '/health' });
      expectStrictHeaders(response.headers);
      expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/);
    } finally {
      await httpsApp.close();
    }
  });
});

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document describing the routes at /api/docs/json', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    expect(document.paths['/metrics']).toBeUndefined();
  });

  it('serves the reference UI as HTML at /api/docs', async () => {
    const response = await fetch(`${baseUrl}/api/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<html/i);
  });
});
