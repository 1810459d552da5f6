import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLM_KEY_PURPOSE } from '../../src/agent/llm/llm-settings.repository.js';
import { insertLlmCall } from '../../src/agent/llm/usage.repository.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { TEST_SECRET_KEY } from '../support/config.js';
import { conversationQueries } from '../support/llm-queries.js';
import {
  agentHarness,
  type LlmWorld,
  newCustomer,
  OPENAI_KEY,
  saveSettings,
  startLlmWorld,
} from '../support/llm-world.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';

/** The settings and usage API: access, validation, keys sealed at rest and never returned, tenant scope. */

const URL = '/api/v1/agent/llm-settings';
let world: LlmWorld;
let admin: SignedInMember;
let agentMember: SignedInMember;
let otherOwner: SignedInMember;

beforeAll(async () => {
  world = await startLlmWorld();
  admin = await signedInMember(world.database.db, world.config, { tenantId: world.tenantId, role: 'admin' });
  agentMember = await signedInMember(world.database.db, world.config, {
    tenantId: world.tenantId,
    role: 'agent',
  });
  const other = await newTenant(world.database.db, 'Other workspace');
  otherOwner = await signedInMember(world.database.db, world.config, { tenantId: other, role: 'owner' });
});

afterAll(async () => {
  await world?.close();
});

const noLimits = {
  requestsPerMinute: null,
  requestsPerDay: null,
  tokensPerMinute: null,
  tokensPerDay: null,
  monthlySpendCapUsd: null,
};

function body(overrides: Record<string, unknown> = {}) {
  return {
    enabled: true,
    providers: [
      { kind: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: OPENAI_KEY },
    ],
    persona: 'You are Lia.',
    knowledge: 'Basic: 49 EUR.',
    limits: { ...noLimits, requestsPerMinute: 30, monthlySpendCapUsd: 25.5 },
    ...overrides,
  };
}

const put = (headers: Record<string, string>, payload: unknown) =>
  world.app.inject({ method: 'PUT', url: URL, headers, payload: payload as Record<string, unknown> });
const get = (headers: Record<string, string>, url = URL) => world.app.inject({ method: 'GET', url, headers });

async function storedProviders(tenantId = world.tenantId) {
  const row = await world.database.ownerDb
    .selectFrom('llmSettings')
    .select('providers')
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  return row.providers;
}

describe('LLM settings API', () => {
  it('saves the settings, seals the key at rest and only ever shows its last four characters', async () => {
    const response = await put(world.owner.headers, body());
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain(OPENAI_KEY);
    const saved = response.json();
    expect(saved.providers).toEqual([
      expect.objectContaining({ kind: 'openai', model: 'gpt-4o-mini', apiKeyHint: 'WXYZ', timeoutMs: 30000 }),
    ]);
    expect(saved.limits).toEqual({ ...noLimits, requestsPerMinute: 30, monthlySpendCapUsd: 25.5 });

    const [stored] = await storedProviders();
    expect(JSON.stringify(stored)).not.toContain(OPENAI_KEY);
    expect(stored?.apiKeySealed).toMatch(/^v2\./);
    expect(new SecretBox(TEST_SECRET_KEY, LLM_KEY_PURPOSE).open(stored?.apiKeySealed ?? '')).toBe(OPENAI_KEY);

    const read = await get(admin.headers);
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(OPENAI_KEY);
    expect(read.json().providers[0].apiKeyHint).toBe('WXYZ');

    const audit = await world.database.ownerDb
      .selectFrom('auditLog')
      .select('detail')
      .where('action', '=', 'llm_settings.updated')
      .where('tenantId', '=', world.tenantId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.detail)).not.toContain(OPENAI_KEY);
    expect(audit.detail).toMatchObject({ enabled: { from: false, to: true } });
  });

  it('keeps a saved key when a provider is sent back by id without one, and replaces it when given', async () => {
    await put(world.owner.headers, body());
    const [before] = await storedProviders();
    const kept = await put(
      admin.headers,
      body({
        providers: [
          { id: before?.id, kind: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4.1-mini' },
        ],
      }),
    );
    expect(kept.statusCode).toBe(200);
    const [after] = await storedProviders();
    expect(after).toMatchObject({
      id: before?.id,
      apiKeySealed: before?.apiKeySealed,
      model: 'gpt-4.1-mini',
    });

    await put(
      admin.headers,
      body({
        providers: [
          {
            id: before?.id,
            kind: 'openai',
            baseUrl: 'https://api.openai.com/v1',
            model: 'gpt-4.1-mini',
            apiKey: 'sk-replaced-key-abcdefgh1234',
          },
        ],
      }),
    );
    expect((await get(admin.headers)).json().providers[0].apiKeyHint).toBe('1234');
  });

  it.each([
    [
      'a plain-HTTP base URL not listed for private model servers',
      { providers: [{ kind: 'openai', baseUrl: 'http://api.example.com/v1', model: 'm' }] },
    ],
    [
      'credentials in the base URL',
      { providers: [{ kind: 'openai', baseUrl: 'https://u:p@api.example.com/v1', model: 'm' }] },
    ],
    [
      'an unknown provider id',
      {
        providers: [
          {
            id: '6f1c1d1e-8a5b-4c1d-9e2f-0a1b2c3d4e5f',
            kind: 'openai',
            baseUrl: 'https://api.example.com/v1',
            model: 'm',
          },
        ],
      },
    ],
    ['enabled without a provider', { providers: [] }],
    [
      'an unknown provider kind',
      { providers: [{ kind: 'gemini', baseUrl: 'https://x.example', model: 'm' }] },
    ],
    [
      'a key with spaces',
      { providers: [{ kind: 'openai', baseUrl: 'https://x.example', model: 'm', apiKey: 'sk bad' }] },
    ],
    ['a negative budget', { limits: { ...noLimits, requestsPerDay: -1 } }],
    ['an unknown field', { temperature: 2 }],
  ])('refuses %s with a 400 and saves nothing', async (_what, overrides) => {
    const before = await storedProviders();
    const response = await put(world.owner.headers, body(overrides));
    expect(response.statusCode).toBe(400);
    expect(await storedProviders()).toEqual(before);
  });

  it('is for owners and admins only', async () => {
    expect((await get(agentMember.headers)).statusCode).toBe(403);
    expect((await put(agentMember.headers, body())).statusCode).toBe(403);
    expect((await get(agentMember.headers, '/api/v1/agent/usage')).statusCode).toBe(403);
  });

  it("shows another workspace its own defaults, never this workspace's settings", async () => {
    await put(world.owner.headers, body());
    const response = await get(otherOwner.headers);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ enabled: false, providers: [], knowledge: '', updatedAt: null });
  });
});

describe('usage API', () => {
  it('sums calls per day and per conversation, in the workspace only', async () => {
    await saveSettings(world);
    const harness = agentHarness(world);
    const from = newCustomer();
    await harness.say(from, 'Hello');
    await harness.close();
    const { id } = await conversationQueries(world.database).conversation(from);
    await withTenant(world.database.db, world.tenantId, (trx) =>
      insertLlmCall(trx, {
        conversationId: id,
        providerKind: 'anthropic',
        model: 'claude-haiku-4-5',
        inputTokens: 1000,
        outputTokens: 100,
        costMicros: 1500,
        latencyMs: 900,
        outcome: 'timeout',
        fallback: true,
      }),
    );
    const today = new Date().toISOString().slice(0, 10);
    const response = await get(world.owner.headers, `/api/v1/agent/usage?from=${today}&to=${today}`);
    expect(response.statusCode).toBe(200);
    const usage = response.json();
    expect(usage.days).toEqual([
      { day: today, calls: 2, failedCalls: 1, inputTokens: 1120, outputTokens: 140, costUsd: 0.001542 },
    ]);
    expect(usage.conversations).toContainEqual({
      conversationId: id,
      calls: 2,
      failedCalls: 1,
      inputTokens: 1120,
      outputTokens: 140,
      costUsd: 0.001542,
    });

    const other = await get(otherOwner.headers, `/api/v1/agent/usage?from=${today}&to=${today}`);
    expect(other.json()).toMatchObject({ days: [], conversations: [] });
  });

  it.each([
    ['from after to', '?from=2026-11-30&to=2026-11-01'],
    ['a malformed date', '?from=30/11/2026'],
    ['more than a year', '?from=2024-01-01&to=2026-01-01'],
    ['an unknown parameter', '?tenantId=x'],
  ])('refuses %s with a 400', async (_what, query) => {
    expect((await get(world.owner.headers, `/api/v1/agent/usage${query}`)).statusCode).toBe(400);
  });
});

describe('outbound guard on tenant base URLs', () => {
  it('refuses to connect to a private address a tenant names, and the qualifier answers instead', async () => {
    await saveSettings(world, {
      providers: [
        {
          kind: 'openai',
          baseUrl: 'https://10.20.30.40/v1',
          model: 'gpt-4o-mini',
          apiKey: OPENAI_KEY,
          timeoutMs: 2000,
        },
      ],
    });
    const harness = agentHarness(world);
    const from = newCustomer();
    await harness.say(from, 'Hello');
    await harness.close();
    const queries = conversationQueries(world.database);
    expect((await queries.botReplies(from)).length).toBeGreaterThan(0);
    expect((await queries.calls(from)).map((call) => call.outcome)).toEqual(['refused_address']);
  });
});
