import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentInput } from '../../src/agent/agent.js';
import { findLlmSettings } from '../../src/agent/llm/llm-settings.repository.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { GREETING } from '../fakes/llm-fake-server.js';
import { conversationQueries } from '../support/llm-queries.js';
import {
  ANTHROPIC_KEY,
  anthropicEntry,
  type LlmWorld,
  llmSuite,
  newCustomer,
  OPENAI_KEY,
  openAiEntry,
  saveSettings,
} from '../support/llm-world.js';

/**
 * The LLM agent in the real pipeline (webhook, processing job, send ledger) against the fake OpenAI and
 * Anthropic servers, which the real SDKs talk to: failover order, retries, timeouts, breakers, usage.
 */

const suite = llmSuite();
let world: LlmWorld;
const fresh = (clock?: () => Date) => suite.fresh(clock);

beforeAll(() => {
  world = suite.world();
});

const queries = () => conversationQueries(world.database);
const botReplies = (from: string) => queries().botReplies(from);
const callsOf = (from: string) => queries().calls(from);

const answer = (reply: string, extra: Record<string, unknown> = {}) => ({
  kind: 'json' as const,
  value: { ...GREETING, reply, ...extra },
});

describe('the LLM agent answering through its provider chain', () => {
  it('answers with the first provider, stores the profile it extracted and records the call with its cost', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.script(
      answer('Nice to meet you, Giulia! Which company are you with?', {
        language: 'it',
        profile: { firstName: 'Giulia', lastName: null, company: null, email: 'Giulia@Example.COM' },
        intent: 'provide_details',
      }),
    );
    await fresh().say(from, 'Ciao, sono Giulia, giulia@example.com');

    expect(await botReplies(from)).toEqual(['Nice to meet you, Giulia! Which company are you with?']);
    // gpt-4o-mini at 0.15 / 0.60 USD per million tokens: 120 in, 40 out.
    expect(await callsOf(from)).toEqual([
      {
        providerKind: 'openai',
        model: 'gpt-4o-mini',
        outcome: 'ok',
        fallback: false,
        inputTokens: 120,
        outputTokens: 40,
        costMicros: '42',
      },
    ]);
    const request = world.openai.requests[0];
    expect(request?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request?.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: {
        name: 'agent_turn',
        strict: true,
        schema: { type: 'object', additionalProperties: false },
      },
    });
    expect(world.anthropic.requests).toHaveLength(0);
    const conversation = await queries().conversation(from);
    expect(conversation).toMatchObject({
      language: 'it',
      ownership: 'bot',
      firstName: 'Giulia',
      email: 'giulia@example.com',
    });
  });

  it('fails over in order: OpenAI failing with 500 (retried once), Anthropic answers and is marked as the fallback', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.script({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    world.anthropic.script(answer('Hello from the second provider'));
    await fresh().say(from, 'Hello');

    expect(await botReplies(from)).toEqual(['Hello from the second provider']);
    expect(world.openai.requests).toHaveLength(2);
    expect(world.anthropic.requests).toHaveLength(1);
    expect((await callsOf(from)).map((call) => [call.providerKind, call.outcome, call.fallback])).toEqual([
      ['openai', 'server_error', false],
      ['openai', 'server_error', false],
      ['anthropic', 'ok', true],
    ]);
    const request = world.anthropic.requests[0];
    // The SDK (1.x) sends the key as a Bearer token; earlier versions used x-api-key.
    const sent = request?.headers['x-api-key'] ?? request?.headers.authorization?.replace(/^Bearer /, '');
    expect(sent).toBe(ANTHROPIC_KEY);
    expect(request?.body.output_config).toMatchObject({ format: { type: 'json_schema' } });
  });

  it('waits what retry-after-ms asks on a 429 and retries the same provider', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.script(
      { kind: 'error', status: 429, headers: { 'retry-after-ms': '400', 'retry-after': '1' } },
      answer('Answered after the wait'),
    );
    await fresh().say(from, 'Hello');

    expect(await botReplies(from)).toEqual(['Answered after the wait']);
    const [first, second] = world.openai.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(380);
    expect(world.anthropic.requests).toHaveLength(0);
    expect((await callsOf(from)).map((call) => call.outcome)).toEqual(['rate_limited', 'ok']);
  });

  it('moves to the next provider at once when retry-after asks for longer than the cap', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.script({ kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    world.anthropic.script(answer('The fallback answered'));
    await fresh().say(from, 'Hello');

    expect(world.openai.requests).toHaveLength(1);
    expect(await botReplies(from)).toEqual(['The fallback answered']);
  });

  it('does not retry an exhausted OpenAI quota (429 insufficient_quota)', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.script({
      kind: 'error',
      status: 429,
      code: 'insufficient_quota',
      errorType: 'insufficient_quota',
    });
    world.anthropic.script(answer('Quota fallback'));
    await fresh().say(from, 'Hello');

    expect(world.openai.requests).toHaveLength(1);
    expect(await botReplies(from)).toEqual(['Quota fallback']);
  });

  it('asks the next provider when the model refuses', async () => {
    await saveSettings(world);
    const from = newCustomer();
    world.openai.script({ kind: 'refusal' });
    world.anthropic.script(answer('Happy to help'));
    await fresh().say(from, 'Hello');

    expect(await botReplies(from)).toEqual(['Happy to help']);
    expect((await callsOf(from)).map((call) => [call.providerKind, call.outcome])).toEqual([
      ['openai', 'unusable'],
      ['anthropic', 'ok'],
    ]);
  });

  it("retries Anthropic's 529 overloaded_error", async () => {
    await saveSettings(world, { providers: [anthropicEntry(world)] });
    const from = newCustomer();
    world.anthropic.script({ kind: 'error', status: 529 }, answer('Not overloaded any more'));
    await fresh().say(from, 'Hello');

    expect(world.anthropic.requests).toHaveLength(2);
    expect(await botReplies(from)).toEqual(['Not overloaded any more']);
    expect((await callsOf(from)).map((call) => call.outcome)).toEqual(['overloaded', 'ok']);
  });

  it('gives up on a provider that does not answer within its timeout and asks the next', async () => {
    await saveSettings(world, { providers: [openAiEntry(world, { timeoutMs: 200 }), anthropicEntry(world)] });
    const from = newCustomer();
    const slow = { kind: 'slow' as const, ms: 1500, answer: answer('too late') };
    world.openai.script(slow, slow);
    world.anthropic.script(answer('On time'));
    await fresh().say(from, 'Hello');

    expect(await botReplies(from)).toEqual(['On time']);
    expect((await callsOf(from)).map((call) => call.outcome)).toEqual(['timeout', 'timeout', 'ok']);
  });

  it('opens a provider’s breaker after consecutive failures and skips it on the next turns', async () => {
    await saveSettings(world);
    const agent = fresh();
    world.openai.setFallback({ kind: 'error', status: 503 });
    const first = newCustomer();
    await agent.say(first, 'Hello');
    expect(world.openai.requests).toHaveLength(2);

    const second = newCustomer();
    world.anthropic.script(answer('Breaker skipped OpenAI'));
    await agent.say(second, 'Hello');
    expect(world.openai.requests).toHaveLength(2);
    expect(await botReplies(second)).toEqual(['Breaker skipped OpenAI']);
    expect((await callsOf(second)).map((call) => [call.providerKind, call.fallback])).toEqual([
      ['anthropic', true],
    ]);
  });

  it('lets the built-in qualifier answer when every provider fails, and hands over after repeated failures', async () => {
    await saveSettings(world, { failuresBeforeHandoff: 2 });
    const agent = fresh();
    world.openai.setFallback({ kind: 'error', status: 500 });
    world.anthropic.setFallback({ kind: 'error', status: 500 });
    const from = newCustomer();
    await agent.say(from, 'Hello');
    const [greeting] = await botReplies(from);
    expect(greeting).toMatch(/^Hi!|^Hello|qualif|name/i);
    const conversation = () => queries().conversation(from);
    expect((await conversation()).ownership).toBe('bot');

    await agent.say(from, 'Are you there?');
    expect((await conversation()).ownership).toBe('human');
    expect(await queries().ownershipEvents(from)).toEqual([
      { actorType: 'agent', reason: 'the AI agent failed repeatedly' },
    ]);
  });

  it('answers with the built-in qualifier, without any provider call, while the settings are disabled', async () => {
    await saveSettings(world, { enabled: false });
    const from = newCustomer();
    await fresh().say(from, 'Hello');
    expect(world.openai.requests).toHaveLength(0);
    expect((await botReplies(from)).length).toBeGreaterThan(0);
  });

  it('answers at once (inside the message’s transaction) only while no provider would be called', async () => {
    const agent = fresh().agent;
    const inputWith = async (): Promise<AgentInput> => ({
      tenantId: world.tenantId,
      conversationId: randomUUID(),
      language: null,
      state: {},
      profile: { firstName: null, lastName: null, company: null, email: null },
      profileComplete: false,
      message: { type: 'text', text: 'Hello' },
      history: [],
      llm: await withTenant(world.database.db, world.tenantId, (trx) => findLlmSettings(trx)),
      settings: { defaultLanguage: 'en', requiredFields: [], prompts: {} },
    });
    await saveSettings(world, { enabled: false });
    expect(agent.answersAtOnce?.(await inputWith())).toBe(true);
    await saveSettings(world, { providers: [] });
    expect(agent.answersAtOnce?.(await inputWith())).toBe(true);
    await saveSettings(world);
    expect(agent.answersAtOnce?.(await inputWith())).toBe(false);
  });
});
