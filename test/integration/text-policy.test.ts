import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import type { Config } from '../../src/platform/config/config.js';
import { buildTestApp } from '../support/app.js';
import { seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The text-field policy on every endpoint that takes a name or a text a person typed: control characters,
 * direction overrides and blank values are a 400 naming the field, and nothing is stored.
 */

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let owner: SignedInMember;
let tenantId: string;
let conversationId: string;
let contactId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Policy Test');
  owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const { channel } = await createChannel(
    database.db,
    config,
    tenantId,
    {
      userId: owner.userId,
      apiKeyId: null,
      context: { requestId: 'policy', ip: '127.0.0.1', userAgent: 'vitest' },
    },
    {
      name: 'Line',
      phoneNumberId: '320000000001',
      displayPhoneNumber: '+1 555 000 0000',
      wabaId: '102290129340398',
      accessToken: 'EAAG-policy-token',
      appSecret: 'policy-app-secret',
    },
  );
  ({ conversationId, contactId } = await seedConversation(
    database.db,
    tenantId,
    channel.id,
    { phoneE164: '+393330000009' },
    [{ direction: 'inbound', text: 'hello', sentAt: new Date() }],
  ));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

type Body = (value: string) => Record<string, unknown>;
/** Each endpoint with a human-entered field: where it is, and a body that is valid but for that field. */
const FIELDS: [string, 'POST' | 'PATCH', () => string, string, Body][] = [
  [
    'contact first name',
    'PATCH',
    () => `/api/v1/contacts/${contactId}`,
    'firstName',
    (v) => ({ firstName: v }),
  ],
  ['contact last name', 'PATCH', () => `/api/v1/contacts/${contactId}`, 'lastName', (v) => ({ lastName: v })],
  ['contact company', 'PATCH', () => `/api/v1/contacts/${contactId}`, 'company', (v) => ({ company: v })],
  ['workspace name', 'PATCH', () => '/api/v1/tenant', 'name', (v) => ({ name: v })],
  ['label name', 'POST', () => '/api/v1/labels', 'name', (v) => ({ name: v, color: '#336699' })],
  ['canned response', 'POST', () => '/api/v1/canned-responses', 'text', (v) => ({ shortcut: 'hi', text: v })],
  ['API key name', 'POST', () => '/api/v1/api-keys', 'name', (v) => ({ name: v, scopes: ['admin'] })],
  ['channel name', 'PATCH', () => `/api/v1/whatsapp/channels/${randomUUID()}`, 'name', (v) => ({ name: v })],
  [
    'new channel name',
    'POST',
    () => '/api/v1/whatsapp/channels',
    'name',
    (v) => ({
      name: v,
      phoneNumberId: '320000000002',
      displayPhoneNumber: '+1 555 000 0001',
      wabaId: '102290129340398',
      accessToken: 'EAAG-policy-token',
      appSecret: 'policy-app-secret',
    }),
  ],
  ['note', 'POST', () => `/api/v1/conversations/${conversationId}/notes`, 'text', (v) => ({ text: v })],
  [
    'outbound message',
    'POST',
    () => `/api/v1/conversations/${conversationId}/messages`,
    'text',
    (v) => ({ type: 'text', text: v }),
  ],
];

const BAD_VALUES: [string, string][] = [
  ['only spaces', '     '],
  ['a control character', 'Acme\u0007 Corp'],
  ['an escape sequence', '\u001b[2JAcme'],
  ['a C1 control', 'Acme\u009b Corp'],
  ['a right-to-left override', 'Acme\u202Egnp.exe'],
  ['a right-to-left isolate', 'Acme \u2067Corp\u2069'],
];

/** Rows a refused request could have left behind, counted as the owner (no row-level security). */
async function storedFootprint(): Promise<unknown> {
  const counts = await sql<Record<string, string>>`
    select (select count(*) from labels) as labels, (select count(*) from canned_responses) as canned,
           (select count(*) from api_keys) as keys, (select count(*) from conversation_notes) as notes,
           (select count(*) from messages) as messages, (select count(*) from graphile_worker._private_jobs) as jobs,
           (select string_agg(name, ',') from tenants) as tenant_names,
           (select string_agg(coalesce(first_name, '') || coalesce(last_name, '') || coalesce(company, ''), ',') from contacts) as contacts,
           (select string_agg(name, ',') from whatsapp_channels) as channel_names
  `.execute(database.ownerDb);
  return counts.rows[0];
}

describe('human-entered text fields', () => {
  for (const [label, method, url, field, body] of FIELDS) {
    it.each(BAD_VALUES)(`refuse a ${label} with %s (400, nothing stored)`, async (_kind, value) => {
      const before = await storedFootprint();
      const response = await app.inject({ method, url: url(), headers: owner.headers, payload: body(value) });
      expect(response.statusCode, response.body).toBe(400);
      const error = response.json().error;
      expect(error.code).toBe('validation_failed');
      expect(error.details.map((detail: { path: string }) => detail.path)).toContain(`body.${field}`);
      expect(await storedFootprint()).toEqual(before);
    });
  }

  it('trim what they store and keep right-to-left letters', async () => {
    const renamed = await app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: owner.headers,
      payload: { name: '  شركة النور  ' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().name).toBe('شركة النور');
    const note = await app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/notes`,
      headers: owner.headers,
      payload: { text: '  Called back:\n\tno answer \n' },
    });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json().text).toBe('Called back:\n\tno answer');
  });
});
