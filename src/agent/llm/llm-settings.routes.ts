import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import type { LlmSettings } from './llm-settings.repository.js';
import { getLlmSettings, replaceLlmSettings } from './llm-settings.service.js';
import { getUsage } from './usage.service.js';

const hasControl = (text: string) =>
  [...text].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n' && char !== '\t') || code === 0x7f;
  });
const ZText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => !hasControl(text), 'must not contain control characters other than line breaks');

const ZProviderInput = z.strictObject({
  id: z.uuid().optional().describe('A saved provider: its key is kept when apiKey is left out'),
  kind: z.enum(['openai', 'anthropic']),
  baseUrl: z
    .string()
    .max(500)
    .describe('e.g. https://api.openai.com/v1, https://api.anthropic.com, http://ollama:11434/v1'),
  model: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'must be a model name'),
  apiKey: z
    .string()
    .min(1)
    .max(500)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .describe('Write-only: never returned; leave out to keep the saved key'),
  timeoutMs: z.int().min(100).max(300_000).default(30_000),
});

const ZLimits = z.strictObject({
  requestsPerMinute: z.int().min(1).max(1_000_000).nullable(),
  requestsPerDay: z.int().min(1).max(100_000_000).nullable(),
  tokensPerMinute: z.int().min(1).max(100_000_000).nullable(),
  tokensPerDay: z.int().min(1).max(2_000_000_000).nullable(),
  monthlySpendCapUsd: z.number().positive().max(10_000_000).nullable(),
});

const ZSettingsBody = z
  .strictObject({
    enabled: z.boolean(),
    providers: z
      .array(ZProviderInput)
      .max(5)
      .describe('Tried in order: the next answers when one fails')
      .refine((list) => {
        const ids = list.flatMap((provider) => (provider.id ? [provider.id] : []));
        return new Set(ids).size === ids.length;
      }, 'must not repeat a provider id'),
    persona: ZText(8000).describe('Who the agent is and how it speaks (system prompt)'),
    knowledge: ZText(50_000).describe('What the agent may tell customers: products, prices, terms'),
    limits: ZLimits.describe('Null: no limit'),
    historyTokens: z.int().min(100).max(32_000).default(1500),
    maxOutputTokens: z.int().min(64).max(8000).default(600),
    failuresBeforeHandoff: z.int().min(1).max(20).default(3),
  })
  .refine((body) => !body.enabled || body.providers.length > 0, {
    path: ['providers'],
    message: 'must name at least one provider when enabled',
  });

const ZSettings = z
  .object({
    enabled: z.boolean(),
    providers: z.array(
      z.object({
        id: z.uuid(),
        kind: z.enum(['openai', 'anthropic']),
        baseUrl: z.string(),
        model: z.string(),
        timeoutMs: z.int(),
        apiKeyHint: z.string().nullable().describe("The key's last four characters; null: no key"),
      }),
    ),
    persona: z.string(),
    knowledge: z.string(),
    limits: ZLimits,
    historyTokens: z.int(),
    maxOutputTokens: z.int(),
    failuresBeforeHandoff: z.int(),
    updatedAt: z.iso.datetime().nullable().describe('Null while the workspace has never saved settings'),
  })
  .meta({ id: 'LlmSettings' });

function toSettings(settings: LlmSettings): z.infer<typeof ZSettings> {
  const { monthlySpendCapMicros, ...limits } = settings.limits;
  return {
    enabled: settings.enabled,
    providers: settings.providers.map((provider) => ({
      id: provider.id,
      kind: provider.kind,
      baseUrl: provider.baseUrl,
      model: provider.model,
      timeoutMs: provider.timeoutMs,
      apiKeyHint: provider.apiKeySealed ? (provider.apiKeyHint ?? '') : null,
    })),
    persona: settings.persona,
    knowledge: settings.knowledge,
    limits: {
      ...limits,
      monthlySpendCapUsd: monthlySpendCapMicros === null ? null : monthlySpendCapMicros / 1e6,
    },
    historyTokens: settings.historyTokens,
    maxOutputTokens: settings.maxOutputTokens,
    failuresBeforeHandoff: settings.failuresBeforeHandoff,
    updatedAt: settings.updatedAt?.toISOString() ?? null,
  };
}

const ZDay = z.iso.date();
const ZTotals = z.object({
  calls: z.int(),
  failedCalls: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  costUsd: z.number().describe('Estimated from the configured prices'),
});
const ZUsage = z
  .object({
    from: ZDay,
    to: ZDay,
    days: z.array(ZTotals.extend({ day: ZDay })),
    conversations: z.array(ZTotals.extend({ conversationId: z.uuid() })),
  })
  .meta({ id: 'LlmUsage' });

// Owners and admins: these settings spend the workspace's money and speak in its name.
const access = { permission: 'agent.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403);

/** The LLM agent's settings and its usage. */
export const llmSettingsRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  app.get(
    '/api/v1/agent/llm-settings',
    {
      config: { access },
      schema: {
        tags: ['agent'],
        summary: "The LLM agent's settings (API keys are never returned)",
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => toSettings(await getLlmSettings(db, tenantActor(request).tenantId)),
  );

  app.put(
    '/api/v1/agent/llm-settings',
    {
      config: { access },
      schema: {
        tags: ['agent'],
        summary: "Replace the LLM agent's settings",
        body: ZSettingsBody,
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { limits, ...body } = request.body;
      const { monthlySpendCapUsd, ...counts } = limits;
      const saved = await replaceLlmSettings(db, config, tenantId, actor, {
        ...body,
        limits: {
          ...counts,
          monthlySpendCapMicros: monthlySpendCapUsd === null ? null : Math.round(monthlySpendCapUsd * 1e6),
        },
      });
      return toSettings(saved);
    },
  );

  app.get(
    '/api/v1/agent/usage',
    {
      config: { access },
      schema: {
        tags: ['agent'],
        summary: 'LLM calls, tokens and estimated cost per UTC day and per conversation',
        querystring: z.strictObject({
          from: ZDay.optional().describe('First day (UTC), default 30 days before `to`'),
          to: ZDay.optional().describe('Last day (UTC, included), default today'),
        }),
        response: { 200: ZUsage, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return getUsage(db, tenantId, request.query);
    },
  );
};
