import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/accounts/session-tokens.js';
import { buildTestApp } from '../support/app.js';
import { createUser, signIn } from '../support/sign-in.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The dashboard language is a person's own preference, stored on the server (ADR 0045). */

let database: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app } = await buildTestApp({ database }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function signedIn() {
  const user = await createUser(database.db);
  const session = await signIn(app, user.email);
  const patch = (payload: unknown) =>
    app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/preferences',
      cookies: session.cookie,
      headers: { [CSRF_HEADER]: session.csrfToken },
      payload: payload as object,
    });
  const current = async () =>
    (await app.inject({ method: 'GET', url: '/api/v1/auth/session', cookies: session.cookie })).json().user;
  return { user, session, patch, current };
}

describe('the language preference', () => {
  it('is null (follow the browser) until chosen, then stored per person and returned by the session', async () => {
    const first = await signedIn();
    const second = await signedIn();
    expect((await first.current()).locale).toBeNull();
    const saved = await first.patch({ locale: 'pt-BR' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ locale: 'pt-BR' });
    expect((await first.current()).locale).toBe('pt-BR');
    expect((await second.current()).locale).toBeNull();
    expect((await first.patch({ locale: null })).json()).toEqual({ locale: null });
    expect((await first.current()).locale).toBeNull();
  });

  it.each([
    [{ locale: 'fr' }],
    [{ locale: 'pt' }],
    [{ locale: 42 }],
    [{}],
    [{ locale: 'it', extra: true }],
    [null],
  ])('refuses %j with a 400 envelope', async (payload) => {
    const { patch, current } = await signedIn();
    const response = await patch(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect((await current()).locale).toBeNull();
  });

  it('refuses a body that is not JSON with a 4xx envelope', async () => {
    const { session, current } = await signedIn();
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/preferences',
      cookies: session.cookie,
      headers: { [CSRF_HEADER]: session.csrfToken, 'content-type': 'application/json' },
      payload: '{"locale": "it"',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toEqual(expect.any(String));
    expect((await current()).locale).toBeNull();
  });

  it('needs a signed-in user', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/preferences',
      payload: { locale: 'it' },
    });
    expect([401, 403]).toContain(response.statusCode);
  });
});
