import { z } from 'zod';
import { cleanProfileUpdates, type ProfileKey } from '../../contacts/profile.js';
import { LANGUAGES } from '../../conversations/conversations.table.js';
import type { Profile } from '../agent.js';

export const INTENTS = [
  'greeting',
  'provide_details',
  'product_question',
  'pricing_question',
  'quote_request',
  'handoff_request',
  'smalltalk',
  'other',
] as const;

/**
 * What the model must answer with, as the providers' structured-output features enforce it. Only shapes
 * here (strict mode accepts few keywords); the limits are checked by `parseAgentOutput`.
 */
export const ZAgentOutput = z.strictObject({
  reply: z.string().describe('The message to send to the customer, plain text'),
  language: z.enum(LANGUAGES).describe("The customer's language"),
  profile: z
    .strictObject({
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      company: z.string().nullable(),
      email: z.string().nullable(),
    })
    .describe('Details the customer gave in this conversation; null when unknown'),
  intent: z.enum(INTENTS),
  quoteLines: z
    .array(z.strictObject({ catalogItem: z.string(), quantity: z.number() }))
    .describe('Items and quantities the customer asked a quote for; empty otherwise'),
  handoff: z.boolean().describe('True when a person should take over'),
  handoffReason: z.string().nullable(),
});

export type TAgentOutput = z.infer<typeof ZAgentOutput>;

/** The JSON Schema sent to the providers (OpenAI `json_schema` strict, Anthropic `output_config`). */
export function agentOutputJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(ZAgentOutput, { target: 'draft-7' });
  return schema;
}

/** Longest reply we send in one message: WhatsApp allows 4096 characters; a sales chat needs far less. */
export const MAX_REPLY_LENGTH = 1500;

const ZChecked = ZAgentOutput.extend({
  reply: z.string().trim().min(1).max(MAX_REPLY_LENGTH),
  quoteLines: z
    .array(
      z.strictObject({
        catalogItem: z.string().trim().min(1).max(200),
        quantity: z.number().int().min(1).max(1_000_000),
      }),
    )
    .max(50),
  handoffReason: z.string().trim().max(500).nullable(),
});

export interface AgentDecision {
  reply: string;
  language: TAgentOutput['language'];
  intent: TAgentOutput['intent'];
  /** Validated like a manual edit; a value that would not pass (a malformed e-mail) is left out. */
  profileUpdates: Partial<Profile>;
  quoteLines: { catalogItem: string; quantity: number }[];
  handoff: { reason: string } | undefined;
}

/** Each field on its own, so one unreadable value does not cost the others. */
function validProfileUpdates(profile: TAgentOutput['profile']): Partial<Profile> {
  const updates: Partial<Profile> = {};
  for (const [key, value] of Object.entries(profile) as [ProfileKey, string | null][]) {
    if (value === null) continue;
    try {
      Object.assign(updates, cleanProfileUpdates({ [key]: value }));
    } catch {
      // Refused like the API refuses a manual edit; the field stays as it was.
    }
  }
  return updates;
}

/** Parses the model's text; undefined when it is not JSON or not the agreed object (then it is retried). */
export function parseAgentOutput(text: string): AgentDecision | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ZChecked.safeParse(json);
  if (!parsed.success) return undefined;
  const output = parsed.data;
  return {
    reply: output.reply,
    language: output.language,
    intent: output.intent,
    profileUpdates: validProfileUpdates(output.profile),
    quoteLines: output.quoteLines,
    handoff: output.handoff
      ? { reason: output.handoffReason?.trim() || 'the agent asked for a person' }
      : undefined,
  };
}
