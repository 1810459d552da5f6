import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Agent } from '../../src/agent/agent.js';
import { createLlmAgent, type LlmAgent } from '../../src/agent/llm/llm-agent.js';
import { NO_LLM_LIMITS } from '../../src/agent/llm/llm-settings.repository.js';
import type { LlmSettingsInput, ProviderInput } from '../../src/agent/llm/llm-settings.service.js';
import { replaceLlmSettings } from '../../src/agent/llm/llm-settings.service.js';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { createProcessInboundTask } from '../../src/channels/whatsapp/process-inbound.task.js';
import type { Config } from '../../src/platform/config/config.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics/metrics.js';
import { createQuoteDrafting } from '../../src/quotes/drafting/llm-drafter.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import type { FakeLlmServer } from '../fakes/llm-fake-server.js';
import { messages, unixSeconds } from '../fakes/meta-webhook-client.js';
import { startFakeOpenAi } from '../fakes/openai-server.js';
import { buildTestApp } from './app.js';
import { testConfig } from './config.js';
import { conversationKeyOf, deliverMessages, taskContext } from './inbound-pipeline.js';
import { captureLogger } from './log-capture.js';
import { newTenant, type SignedInMember, signedInMember } from './tenant-members.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const OPENAI_KEY = 'sk-test-openai-0123456789abcdefWXYZ';
export const ANTHROPIC_KEY = 'sk-ant-test-0123456789abcdefQRST';
const CONTEXT = { requestId: 'llm-test', ip: '127.0.0.1', userAgent: 'vitest' };
const APP_SECRET = 'app-secret-llm-agent-0123456789ab';

/**
 * A workspace with a WhatsApp channel, the fake OpenAI and Anthropic servers, and the real processing
 * task driven by an LLM agent the test builds (fresh per test when breakers or clocks matter).
 */
export interface LlmWorld {
  database: TestDatabase;
  app: FastifyInstance;
  config: Config;
  tenantId: string;
  owner: SignedInMember;
  channelId: string;
  phoneNumberId: string;
  openai: FakeLlmServer;
  anthropic: FakeLlmServer;
  /** The LLM configuration the agent reads (small timeouts and retry caps for a fast suite). */
  agentConfig: Config;
  close(): Promise<void>;
}

let phoneSequence = 0;
export function newCustomer(): string {
  phoneSequence++;
  return `39347${String(1_000_000 + phoneSequence).slice(1)}0`;
}

export async function startLlmWorld(llmEnv: Record<string, string> = {}): Promise<LlmWorld> {
  const openai = await startFakeOpenAi();
  const anthropic = await startFakeAnthropic();
  const database = await createTestDatabase();
  const env = { OUTBOUND_ALLOW_PRIVATE_HOSTS: `${openai.hostPort},${anthropic.hostPort}` };
  const { app, config } = await buildTestApp({ database, env });
  const agentConfig = testConfig({
    ...env,
    LLM_MAX_RETRIES: '1',
    LLM_MAX_RETRY_AFTER_MS: '1500',
    LLM_BREAKER_FAILURES: '2',
    LLM_BREAKER_HALF_OPEN_MS: '600000',
    LLM_TIMEOUT_MS: '5000',
    ...llmEnv,
  });
  const tenantId = await newTenant(database.db, 'LLM workspace');
  const owner = await signedInMember(database.db, config, { tenantId, role: 'owner' });
  const phoneNumberId = `1065${Math.floor(Math.random() * 1e10)}`;
  const created = await createChannel(
    database.db,
    config,
    tenantId,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: 'Sales line',
      phoneNumberId,
      displayPhoneNumber: '+1 555 078 3881',
      wabaId: '102290129340398',
      accessToken: 'EAAG-llm-token',
      appSecret: APP_SECRET,
      markAsRead: false,
    },
  );
  return {
    database,
    app,
    config,
    tenantId,
    owner,
    channelId: created.channel.id,
    phoneNumberId,
    openai,
    anthropic,
    agentConfig,
    async close() {
      await app.close();
      await database.drop();
      await openai.close();
      await anthropic.close();
    },
  };
}

export function openAiEntry(world: LlmWorld, overrides: Partial<ProviderInput> = {}): ProviderInput {
  return {
    kind: 'openai',
    baseUrl: world.openai.baseUrl,
    model: 'gpt-4o-mini',
    apiKey: OPENAI_KEY,
    timeoutMs: 3000,
    ...overrides,
  };
}

export function anthropicEntry(world: LlmWorld, overrides: Partial<ProviderInput> = {}): ProviderInput {
  return {
    kind: 'anthropic',
    baseUrl: world.anthropic.baseUrl,
    model: 'claude-haiku-4-5',
    apiKey: ANTHROPIC_KEY,
    timeoutMs: 3000,
    ...overrides,
  };
}

export async function saveSettings(world: LlmWorld, settings: Partial<LlmSettingsInput> = {}): Promise<void> {
  await replaceLlmSettings(
    world.database.db,
    world.config,
    world.tenantId,
    { userId: world.owner.userId, apiKeyId: null, context: CONTEXT },
    {
      enabled: true,
      providers: [openAiEntry(world), anthropicEntry(world)],
      persona: 'You are Lia from Acme Coffee Machines.',
      knowledge: 'Acme sells the Basic espresso machine at 49 EUR per month. Delivery takes 3 days.',
      limits: NO_LLM_LIMITS,
      historyTokens: 1500,
      maxOutputTokens: 600,
      failuresBeforeHandoff: 3,
      ...settings,
    },
  );
}

export interface AgentHarness {
  agent: LlmAgent;
  metrics: Metrics;
  /** Delivers one customer text through the signed webhook and runs the processing job to the end. */
  say(from: string, text: string): Promise<void>;
  /** Runs the processing job of `from`'s conversation again (as the worker's retry would). */
  run(from: string): Promise<void>;
  close(): Promise<void>;
}

let secondsSequence = 0;
export function agentHarness(
  world: LlmWorld,
  /** `drafting`: the agent gets the catalog drafting tools, as the server wires it. */
  options: { clock?: () => Date; agent?: Agent; drafting?: boolean } = {},
): AgentHarness {
  const metrics = createMetrics();
  const agent = createLlmAgent({
    db: world.database.db,
    config: world.agentConfig,
    fallback: createQualifier(),
    logger: captureLogger().logger,
    metrics,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.drafting ? { drafting: createQuoteDrafting(world.database.db) } : {}),
  });
  const task = createProcessInboundTask({ agent: options.agent ?? agent });
  const run = (from: string) =>
    task.handle(
      { channelId: world.channelId, conversationKey: conversationKeyOf(from) },
      taskContext(world.database.db, world.tenantId),
    );
  return {
    agent,
    metrics,
    run,
    async say(from, text) {
      secondsSequence++;
      const target = {
        app: world.app,
        channelId: world.channelId,
        phoneNumberId: world.phoneNumberId,
        appSecret: APP_SECRET,
      };
      const timestamp = unixSeconds(new Date(Date.UTC(2026, 10, 30, 9, 0, 0) + secondsSequence * 1000));
      const status = await deliverMessages(target, [messages.text({ from, body: text, timestamp })]);
      if (status !== 200) throw new Error(`webhook answered ${status}`);
      await run(from);
    },
    close: () => agent.close(),
  };
}

/**
 * A test file's world, started once, with a fresh agent per test (`fresh`): breakers and clocks never
 * leak from one test into the next, and the fakes' scripts are cleared after each.
 */
export function llmSuite() {
  let world: LlmWorld | undefined;
  let harness: AgentHarness | undefined;
  beforeAll(async () => {
    world = await startLlmWorld();
  });
  afterAll(async () => {
    await world?.close();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    world?.openai.reset();
    world?.anthropic.reset();
  });
  return {
    world(): LlmWorld {
      if (!world) throw new Error('the LLM world starts in beforeAll');
      return world;
    },
    fresh(clock?: () => Date, agent?: Agent, drafting?: boolean): AgentHarness {
      harness = agentHarness(this.world(), {
        ...(clock ? { clock } : {}),
        ...(agent ? { agent } : {}),
        ...(drafting ? { drafting } : {}),
      });
      return harness;
    },
  };
}
