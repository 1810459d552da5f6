import { beforeAll, describe, expect, it } from 'vitest';
import { changePlan, workspaceCanAutomate } from '../../src/plans/plans.service.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { GREETING } from '../fakes/llm-fake-server.js';
import { conversationQueries } from '../support/llm-queries.js';
import { type LlmWorld, llmSuite, newCustomer, saveSettings } from '../support/llm-world.js';

/**
 * The plan's monthly LLM spend limit in the real pipeline with the fake OpenAI server: below it the LLM
 * agent answers; once the month's estimated cost reaches it the LLM is not called at all and the built-in
 * qualifier answers instead (it costs nothing), so customers still get a reply.
 */

const suite = llmSuite();
let world: LlmWorld;

beforeAll(() => {
  world = suite.world();
});

const answer = (reply: string) => ({ kind: 'json' as const, value: { ...GREETING, reply } });

describe("the plan's monthly LLM spend limit", () => {
  it('stops LLM calls once the month’s spend reaches it; the scripted qualifier answers instead', async () => {
    await saveSettings(world);
    // 0.000042 USD per call with the fake's token counts: a limit of 40 micro-dollars is reached by one call.
    await changePlan(world.database.db, world.tenantId, { limits: { llmSpendMicros: 40 } });
    const queries = conversationQueries(world.database);

    const first = newCustomer();
    world.openai.script(answer('Hello from the LLM'));
    await suite.fresh().say(first, 'Hello');
    expect(await queries.botReplies(first)).toEqual(['Hello from the LLM']);
    expect(world.openai.requests).toHaveLength(1);

    const gate = await withTenant(world.database.db, world.tenantId, (trx) => workspaceCanAutomate(trx));
    expect(gate).toEqual({ allowed: true, llm: false, reasons: [], llmSpendReached: true });

    const second = newCustomer();
    await suite.fresh().say(second, 'Hello');
    expect(world.openai.requests).toHaveLength(1);
    const replies = await queries.botReplies(second);
    expect(replies.length).toBeGreaterThan(0);
    expect(await queries.calls(second)).toEqual([]);

    // Raising the limit gives the LLM back.
    await changePlan(world.database.db, world.tenantId, { limits: { llmSpendMicros: null } });
    const third = newCustomer();
    world.openai.script(answer('The LLM again'));
    await suite.fresh().say(third, 'Hello');
    expect(await queries.botReplies(third)).toEqual(['The LLM again']);
  });
});
