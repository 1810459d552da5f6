import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/platform/config/config.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const URL = '/api/v1/agent/qualifier-settings';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let ownerA: SignedInMember;
let adminA: SignedInMember;
let agentA: SignedInMember;
let ownerB: SignedInMember;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantA = await newTenant(database.db, 'Tenant A');
  tenantB = await newTenant(database.db, 'Tenant B');
  ownerA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  adminA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'admin' });
  agentA = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const validBody = {
  defaultLanguage: 'it',
  requiredFields: ['first_name', 'email'],
  prompts: {
    it: { greeting: 'Benvenuto da Rossi Srl!', completed: 'Grazie {{firstName}}, a presto.' },
    en: { askEmail: 'Your work e-mail, please?' },
  },
};

function put(headers: Record<string, string>, payload: unknown) {
  return app.inject({ method: 'PUT', url: URL, headers, payload: payload as Record<string, unknown> });
}

function get(headers: Record<string, string>) {
  return app.inject({ method: 'GET', url: URL, headers });
}

async function storedRows(tenantId: string) {
  const { rows } = await sql<{ defaultLanguage: string; requiredFields: string[]; prompts: unknown }>`
    select default_language, required_fields, prompts from qualifier_settings where tenant_id = ${tenantId}`.execute(
    database.ownerDb,
  );
  return rows;
}

async function auditEntries(tenantId: string) {
  // The owner connection camel-cases column names, as the application's does.
  const { rows } = await sql<{ action: string; actorUserId: string | null; detail: Record<string, unknown> }>`
    select action, actor_user_id, detail from audit_log
    where tenant_id = ${tenantId} and action = 'qualifier_settings.updated' order by id`.execute(
    database.ownerDb,
  );
  return rows;
}

async function apiKey(member: SignedInMember, scopes: string[]): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: member.headers,
    payload: { name: `settings ${scopes.join(' ')}`, scopes },
  });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { key: string }).key;
}

describe('qualifier settings API', () => {
  it('answers the defaults, with the built-in texts, before a workspace saves anything', async () => {
    const response = await get(ownerB.headers);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      defaultLanguage: 'en',
      requiredFields: ['first_name', 'last_name', 'company', 'email'],
      prompts: {},
      updatedAt: null,
    });
    expect(body.defaultPrompts.it.askEmail).toMatch(/e-mail/i);
    expect(body.placeholders.completed).toEqual(['firstName']);
    expect(await storedRows(tenantB)).toEqual([]);
  });

  it('saves an owner’s settings, reads them back and audits which prompts changed without their texts', async () => {
    const response = await put(ownerA.headers, validBody);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ ...validBody, updatedAt: expect.any(String) });

    const read = await get(ownerA.headers);
    expect(read.json()).toMatchObject(validBody);
    expect(await storedRows(tenantA)).toEqual([
      { defaultLanguage: 'it', requiredFields: ['first_name', 'email'], prompts: validBody.prompts },
    ]);

    const [entry, ...others] = await auditEntries(tenantA);
    expect(others).toEqual([]);
    expect(entry?.actorUserId).toBe(ownerA.userId);
    expect(entry?.detail).toMatchObject({
      defaultLanguage: { from: 'en', to: 'it' },
      requiredFields: { from: ['first_name', 'last_name', 'company', 'email'], to: ['first_name', 'email'] },
      changedPrompts: ['en.askEmail', 'it.completed', 'it.greeting'],
    });
    expect(JSON.stringify(entry?.detail)).not.toContain('Rossi Srl');
  });

  it('replaces the whole settings on PUT: a prompt left out goes back to the built-in text', async () => {
    await put(ownerA.headers, validBody);
    const response = await put(adminA.headers, {
      defaultLanguage: 'pt',
      requiredFields: ['email', 'company'],
      prompts: { it: { greeting: 'Benvenuto da Rossi Srl!' } },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      defaultLanguage: 'pt',
      requiredFields: ['email', 'company'],
      prompts: { it: { greeting: 'Benvenuto da Rossi Srl!' } },
    });
    expect(await storedRows(tenantA)).toHaveLength(1);
    const last = (await auditEntries(tenantA)).at(-1);
    expect(last?.actorUserId).toBe(adminA.userId);
    expect(last?.detail.changedPrompts).toEqual(['en.askEmail', 'it.completed']);
  });

  it('saves Spanish as the default language and the optional summary step, false unless sent', async () => {
    const response = await put(ownerA.headers, { ...validBody, defaultLanguage: 'es', confirmProfile: true });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ defaultLanguage: 'es', confirmProfile: true });
    expect(response.json().defaultPrompts.es.askEmail).toBe('¿Cuál es tu correo electrónico?');
    const last = (await auditEntries(tenantA)).at(-1);
    expect(last?.detail.confirmProfile).toEqual({ from: false, to: true });
    const omitted = await put(ownerA.headers, validBody);
    expect(omitted.json()).toMatchObject({ confirmProfile: false });
    const refused = await put(ownerA.headers, { ...validBody, confirmProfile: 'yes' });
    expect(refused.statusCode).toBe(400);
    const german = await put(ownerA.headers, { ...validBody, defaultLanguage: 'de' });
    expect(german.statusCode).toBe(400);
  });

  it('keeps each workspace’s settings to itself', async () => {
    await put(ownerA.headers, validBody);
    const otherTenant = await get(ownerB.headers);
    expect(otherTenant.json()).toMatchObject({ defaultLanguage: 'en', prompts: {}, updatedAt: null });
    expect(await storedRows(tenantB)).toEqual([]);
  });

  it('is for owners and admins: agents get 403 and anonymous callers 401', async () => {
    const before = await storedRows(tenantA);
    expect((await get(agentA.headers)).statusCode).toBe(403);
    const denied = await put(agentA.headers, { ...validBody, defaultLanguage: 'pt' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');
    expect((await get({})).statusCode).toBe(401);
    expect((await put({}, validBody)).statusCode).toBe(401);
    expect(await storedRows(tenantA)).toEqual(before);
  });

  it('accepts an API key with the admin scope and refuses one without it', async () => {
    const admin = await apiKey(ownerB, ['admin']);
    const saved = await put({ authorization: `Bearer ${admin}` }, { ...validBody, defaultLanguage: 'pt' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await get({ authorization: `Bearer ${admin}` })).json().defaultLanguage).toBe('pt');
    const apiKeyAudit = (await auditEntries(tenantB)).at(-1);
    expect(apiKeyAudit?.actorUserId).toBeNull();

    const reader = await apiKey(ownerB, ['contacts:read', 'channels:manage']);
    expect((await get({ authorization: `Bearer ${reader}` })).statusCode).toBe(403);
    expect((await put({ authorization: `Bearer ${reader}` }, validBody)).statusCode).toBe(403);
  });

  const long = 'x'.repeat(1001);
  it.each([
    ['an unknown language', { ...validBody, prompts: { fr: { greeting: 'Bonjour' } } }],
    ['an unknown prompt id', { ...validBody, prompts: { en: { welcome: 'Hi' } } }],
    ['an inherited property name as prompt id', { ...validBody, prompts: { en: { constructor: 'y' } } }],
    ['a prompt longer than 1000 characters', { ...validBody, prompts: { en: { greeting: long } } }],
    ['a blank prompt', { ...validBody, prompts: { en: { greeting: '   ' } } }],
    ['a prompt that is not text', { ...validBody, prompts: { en: { greeting: 42 } } }],
    ['a control character in a prompt', { ...validBody, prompts: { en: { greeting: 'Hi\u0007' } } }],
    [
      'a placeholder the prompt does not offer',
      { ...validBody, prompts: { en: { greeting: 'Hi {{email}}' } } },
    ],
    ['no required field', { ...validBody, requiredFields: [] }],
    ['an unknown required field', { ...validBody, requiredFields: ['phone'] }],
    ['a repeated required field', { ...validBody, requiredFields: ['email', 'email'] }],
    ['an unknown default language', { ...validBody, defaultLanguage: 'fr' }],
    ['a missing prompts object', { defaultLanguage: 'en', requiredFields: ['email'] }],
    ['an unexpected property', { ...validBody, tenantId: '00000000-0000-4000-8000-000000000000' }],
    ['an array body', [validBody]],
  ])('refuses %s with a 400 envelope and saves nothing', async (_name, body) => {
    const before = await storedRows(tenantA);
    const auditsBefore = (await auditEntries(tenantA)).length;
    const response = await put(adminA.headers, body);
    expect(response.statusCode, response.body).toBe(400);
    const { error } = response.json();
    expect(error.code).toMatch(/^(validation_failed|bad_request)$/);
    expect(error.requestId).toEqual(expect.any(String));
    expect(await storedRows(tenantA)).toEqual(before);
    expect(await auditEntries(tenantA)).toHaveLength(auditsBefore);
  });

  it('describes the body and the answer in the OpenAPI document', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const path = response.json().paths[URL];
    expect(Object.keys(path)).toEqual(expect.arrayContaining(['get', 'put']));
    const body = path.put.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['defaultLanguage', 'requiredFields', 'prompts']));
    expect(JSON.stringify(body)).toContain('askEmail');
  });

  it('names the allowed placeholders when a prompt uses another one', async () => {
    const response = await put(adminA.headers, {
      ...validBody,
      prompts: { it: { completed: 'Grazie {{firstName}} di {{company}}' } },
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().error.details)).toContain('{{company}}');
    expect(JSON.stringify(response.json().error.details)).toContain('{{firstName}}');
  });
});
