import { recordAudit } from '../../audit/audit.repository.js';
import type { Config } from '../../platform/config/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logging/logger.js';
import { breakerGauge } from '../../platform/metrics/breaker-gauge.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import type { Proposal, QuoteDrafting } from '../../quotes/drafting/llm-drafter.js';
import type { Agent, AgentInput, AgentTurn } from '../agent.js';
import { DEFAULT_PROMPTS } from '../qualifier/prompts.js';
import { TurnAccounting } from './accounting.js';
import { BudgetExhausted } from './budget.repository.js';
import {
  leaksPrompt,
  linkHostsOf,
  neutraliseLinks,
  unsupportedClaims,
  type Violation,
} from './guardrails.js';
import { LLM_KEY_PURPOSE, type LlmSettings } from './llm-settings.repository.js';
import { type AgentDecision, agentOutputJsonSchema, parseAgentOutput } from './output.js';
import { buildPrompt, INSTRUCTION_LINES } from './prompt.js';
import { anthropicProvider } from './providers/anthropic.js';
import { createGuardedFetch } from './providers/guarded-fetch.js';
import { openAiProvider } from './providers/openai.js';
import type { ChatMessage } from './providers/provider.js';
import {
  QUOTE_PREPARING,
  QUOTE_TOOL_INSTRUCTIONS,
  QUOTE_TOOLS,
  runQuoteTools,
  statesPrice,
} from './quote-tools.js';
import { AllProvidersFailed, type ChainEntry, LlmRouter, type RoutedCompletion } from './router.js';

export const FAILURES_HANDOFF_REASON = 'the AI agent failed repeatedly';
export const GUARDRAIL_HANDOFF_REASON = 'the AI agent could not answer within the business information';

export interface LlmAgentDependencies {
  db: Db;
  config: Pick<Config, 'llm' | 'outbound' | 'secretKey' | 'previousSecretKeys'>;
  /** Answers whenever the LLM cannot: no settings, budget used up, providers down, invalid output. */
  fallback: Agent;
  logger: Logger;
  metrics?: Pick<Metrics, 'llmCalls' | 'llmBudgetExhausted'> &
    Partial<Pick<Metrics, 'circuitBreakersOpen' | 'llmPriceGuarded'>>;
  /**
   * The catalog drafting tools (issue 14). Given, the model may search the catalog and propose a draft
   * quote in a turn; absent, it is offered no tools.
   */
  drafting?: QuoteDrafting;
  clock?: () => Date;
}

/** The model's output could not be read twice in a row (or it kept calling tools). */
class InvalidOutput extends Error {}

/** Tool rounds a turn may take before the model must answer. */
const MAX_TOOL_ROUNDS = 4;

const FAILURES_KEY = 'llmFailures';

function failuresOf(state: Record<string, unknown>): number {
  const value = state[FAILURES_KEY];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function withoutFailures(state: Record<string, unknown>): Record<string, unknown> {
  const { [FAILURES_KEY]: _ignored, ...rest } = state;
  return rest;
}

function describe(violations: readonly Violation[]): string {
  const kinds = [...new Set(violations.map((violation) => violation.kind))].join(', ');
  return `It stated something not in the business information (${kinds}). Do not state it; say a colleague will confirm.`;
}

export interface LlmAgent extends Agent {
  close(): Promise<void>;
}

/**
 * The LLM agent: the tenant's providers in order behind one router, budgets and usage on every attempt,
 * the answer validated and checked by the guardrails before it is returned. It never fails a turn: when
 * it cannot answer, the built-in qualifier does (and after repeated provider failures a person is asked
 * to take over). Tenants without enabled settings get the qualifier directly.
 */
export function createLlmAgent(deps: LlmAgentDependencies): LlmAgent {
  const { config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const box = new SecretBox(config.secretKey, LLM_KEY_PURPOSE, config.previousSecretKeys);
  const guardedFetch = createGuardedFetch({
    connectTimeoutMs: config.outbound.connectTimeoutMs,
    allowPrivateHosts: [...config.llm.privateHosts, ...config.outbound.allowPrivateHosts],
  });
  const router = new LlmRouter({
    maxRetries: config.llm.maxRetries,
    maxRetryAfterMs: config.llm.maxRetryAfterMs,
    breakerFailures: config.llm.breakerFailures,
    breakerHalfOpenMs: config.llm.breakerHalfOpenMs,
    ...(deps.metrics?.circuitBreakersOpen
      ? { onBreakerChange: breakerGauge(deps.metrics.circuitBreakersOpen, 'llm') }
      : {}),
  });

  function chainOf(tenantId: string, settings: LlmSettings): ChainEntry[] {
    return settings.providers.flatMap((stored) => {
      let apiKey: string | null;
      try {
        apiKey = stored.apiKeySealed ? box.open(stored.apiKeySealed) : null;
      } catch (error) {
        // Sealed under a master key no longer configured: skip this provider, the others may answer.
        deps.logger.error({ err: error, tenantId, providerId: stored.id }, 'LLM provider key does not open');
        return [];
      }
      const connection = { baseUrl: stored.baseUrl, model: stored.model, apiKey, fetch: guardedFetch.fetch };
      return [
        {
          key: `${tenantId}:${stored.id}`,
          provider: stored.kind === 'openai' ? openAiProvider(connection) : anthropicProvider(connection),
          host: new URL(stored.baseUrl).host,
          timeoutMs: Math.min(stored.timeoutMs, config.llm.timeoutMs),
        },
      ];
    });
  }

  /**
   * A reply that states a price while a quote is drafted becomes the neutral line: the customer learns
   * prices from the approved quote only. Counted and audited (never with the reply's text).
   */
  async function guardPrice(
    input: AgentInput,
    decision: AgentDecision,
    proposal: Proposal | undefined,
  ): Promise<AgentDecision> {
    const prices = proposal?.ok ? proposal.pricesMinor : [];
    if (!statesPrice(decision.reply, prices)) return decision;
    deps.metrics?.llmPriceGuarded?.inc();
    await recordAudit(deps.db, {
      action: 'agent.reply_price_guarded',
      tenantId: input.tenantId,
      context: null,
      detail: {
        conversationId: input.conversationId,
        ...(proposal?.ok ? { quoteId: proposal.quoteId } : {}),
      },
    });
    return { ...decision, reply: QUOTE_PREPARING[decision.language] };
  }

  async function decide(input: AgentInput, settings: LlmSettings): Promise<AgentDecision> {
    const accounting = new TurnAccounting(
      { db: deps.db, prices: config.llm.prices, metrics: deps.metrics, clock },
      input.tenantId,
      input.conversationId,
      settings.limits,
    );
    const chain = chainOf(input.tenantId, settings);
    const facts = { text: `${settings.knowledge}\n${settings.persona}`, amounts: [] };
    const allowedHosts = linkHostsOf(facts.text);
    const schema = agentOutputJsonSchema();
    let correction: string | undefined;
    let invalid = 0;
    let regenerated = 0;
    const tools = deps.drafting ? QUOTE_TOOLS : undefined;
    // The tool calls and results of this turn, kept across a regeneration (a draft is made once).
    const toolTurns: ChatMessage[] = [];
    let toolRounds = 0;
    let proposal: Proposal | undefined;
    // At most four calls: one retry for unreadable output, one regeneration after a failed check.
    for (;;) {
      const prompt = buildPrompt(input, {
        ...(correction ? { correction } : {}),
        ...(tools ? { toolInstructions: QUOTE_TOOL_INSTRUCTIONS } : {}),
      });
      let routed: RoutedCompletion;
      try {
        routed = await router.complete({
          chain,
          request: {
            system: prompt.system,
            messages: [...prompt.messages, ...toolTurns],
            ...(tools ? { tools } : {}),
            schemaName: 'agent_turn',
            schema,
            maxOutputTokens: settings.maxOutputTokens,
          },
          beforeAttempt: () => accounting.reserve(),
          afterAttempt: (report) => accounting.record(report),
        });
      } catch (error) {
        if (error instanceof BudgetExhausted) await accounting.exhausted(error);
        throw error;
      }
      const report = (outcome: string) =>
        accounting.record({
          provider: routed.provider,
          index: routed.index,
          latencyMs: routed.latencyMs,
          inputTokens: routed.completion.inputTokens,
          outputTokens: routed.completion.outputTokens,
          outcome,
        });
      const calls = routed.completion.toolCalls;
      if (calls?.length && deps.drafting) {
        await report('tool_calls');
        if (toolRounds++ >= MAX_TOOL_ROUNDS) throw new InvalidOutput('the model kept calling tools');
        const outcome = await runQuoteTools(
          deps.drafting,
          {
            tenantId: input.tenantId,
            conversationId: input.conversationId,
            proposed: proposal?.ok === true,
          },
          calls,
        );
        if (outcome.proposal && !proposal?.ok) proposal = outcome.proposal;
        toolTurns.push({ role: 'tool_calls', calls }, { role: 'tool_results', results: outcome.results });
        continue;
      }
      const decision = parseAgentOutput(routed.completion.text);
      if (!decision) {
        await report('invalid_output');
        if (invalid++ >= 1) throw new InvalidOutput('the model answered twice with unreadable output');
        continue;
      }
      let reply = neutraliseLinks(decision.reply, allowedHosts);
      if (deps.drafting && (toolRounds > 0 || decision.intent === 'quote_request')) {
        // While a quote is drafted no price may be stated at all: the neutral line replaces the reply.
        reply = (await guardPrice(input, { ...decision, reply }, proposal)).reply;
      }
      const violations: Violation[] = leaksPrompt(reply, prompt.canary, INSTRUCTION_LINES)
        ? [{ kind: 'secret', text: 'instructions' }]
        : unsupportedClaims(reply, facts);
      if (violations.length === 0 && reply.length > 0) {
        await report('ok');
        return { ...decision, reply };
      }
      await report('guardrail');
      if (regenerated++ >= 1) {
        const text =
          input.settings.prompts[decision.language]?.handoff ?? DEFAULT_PROMPTS[decision.language].handoff;
        return { ...decision, reply: text, handoff: { reason: GUARDRAIL_HANDOFF_REASON } };
      }
      correction = describe(violations);
    }
  }

  async function fallback(input: AgentInput, failures: number, threshold: number): Promise<AgentTurn> {
    const turn = await deps.fallback.respond({ ...input, state: withoutFailures(input.state) });
    const handoff = turn.handoff ?? (failures >= threshold ? { reason: FAILURES_HANDOFF_REASON } : undefined);
    return { ...turn, handoff, state: { ...turn.state, [FAILURES_KEY]: failures } };
  }

  return {
    answersAtOnce: (input) => !llmConfigured(input.llm) && deps.fallback.answersAtOnce?.(input) === true,
    async respond(input) {
      const settings = input.llm;
      if (!llmConfigured(settings)) return deps.fallback.respond(input);
      const failures = failuresOf(input.state);
      try {
        const decision = await decide(input, settings);
        return {
          replies: [decision.reply],
          profileUpdates: decision.profileUpdates,
          handoff: decision.handoff,
          intent: decision.intent,
          quoteRequest: decision.quoteLines,
          language: decision.language,
          state: { ...input.state, [FAILURES_KEY]: 0 },
        };
      } catch (error) {
        if (error instanceof BudgetExhausted) {
          return fallback(input, failures, Number.POSITIVE_INFINITY);
        }
        if (error instanceof AllProvidersFailed || error instanceof InvalidOutput) {
          deps.logger.warn(
            { err: error, conversationId: input.conversationId },
            'LLM agent failed; the built-in qualifier answers',
          );
          return fallback(input, failures + 1, settings.failuresBeforeHandoff);
        }
        throw error;
      }
    },
    close: () => guardedFetch.close(),
  };
}

/** Whether the tenant's LLM agent is on: enabled, with at least one provider. */
function llmConfigured(settings: AgentInput['llm']): settings is NonNullable<AgentInput['llm']> {
  return settings?.enabled === true && settings.providers.length > 0;
}
