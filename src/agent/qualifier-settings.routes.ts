import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGUAGES } from '../conversations/conversations.table.js';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import {
  DEFAULT_PROMPTS,
  MAX_PROMPT_LENGTH,
  PROMPT_IDS,
  PROMPTS,
  placeholdersOf,
} from './qualifier/prompts.js';
import type { QualifierSettingsValues } from './qualifier-settings.repository.js';
import { getQualifierSettings, replaceQualifierSettings } from './qualifier-settings.service.js';
import type { ProfileField } from './qualifier-settings.table.js';

const PROFILE_FIELDS = [
  'first_name',
  'last_name',
  'company',
  'email',
] as const satisfies readonly ProfileField[];

// WhatsApp text may hold line breaks; other control characters only garble the message or a log line.
const hasControl = (text: string) =>
  [...text].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n') || code === 0x7f;
  });
const ZPromptText = z
  .string()
  .max(MAX_PROMPT_LENGTH)
  .refine((text) => text.trim() !== '', 'must not be blank (leave the prompt out to use the built-in text)')
  .refine((text) => !hasControl(text), 'must not contain control characters other than line breaks');

const ZPrompts = z
  .partialRecord(z.enum(LANGUAGES), z.partialRecord(z.enum(PROMPT_IDS), ZPromptText))
  // A template only ever sees the values its own prompt passes; naming any other is a mistake to report.
  .superRefine((prompts, ctx) => {
    for (const [language, texts] of Object.entries(prompts)) {
      for (const [id, text] of Object.entries(texts ?? {})) {
        const allowed: readonly string[] = PROMPTS[id as keyof typeof PROMPTS];
        const unknown = placeholdersOf(text ?? '').filter((name) => !allowed.includes(name));
        if (unknown.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: [language, id],
            message: `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')}; allowed: ${
              allowed.length > 0 ? allowed.map((name) => `{{${name}}}`).join(', ') : 'none'
            }`,
          });
        }
      }
    }
  });

const ZRequiredFields = z
  .array(z.enum(PROFILE_FIELDS))
  .min(1)
  .max(PROFILE_FIELDS.length)
  .refine((fields) => new Set(fields).size === fields.length, 'must not repeat a field');

const ZSettingsBody = z.strictObject({
  defaultLanguage: z.enum(LANGUAGES).describe('Used when the first message does not reveal a language'),
  requiredFields: ZRequiredFields.describe('What the qualifier collects before the profile is complete'),
  prompts: ZPrompts.describe('Overrides of the built-in texts, per language and prompt id'),
  confirmProfile: z
    .boolean()
    .default(false)
    .describe(
      'End with a summary the customer confirms; a "yes" marks the profile confirmed. Values are stored as soon as they are understood either way',
    ),
});

const ZSettings = ZSettingsBody.extend({
  updatedAt: z.iso.datetime().nullable().describe('Null while the workspace uses the defaults'),
  defaultPrompts: z
    .record(z.enum(LANGUAGES), z.record(z.string(), z.string()))
    .describe('The built-in texts, for reference'),
  placeholders: z.record(z.string(), z.array(z.string())).describe('The placeholders each prompt may use'),
}).meta({ id: 'QualifierSettings' });

function toSettings(
  settings: QualifierSettingsValues & { updatedAt: Date | null },
): z.infer<typeof ZSettings> {
  return {
    defaultLanguage: settings.defaultLanguage,
    requiredFields: settings.requiredFields,
    prompts: settings.prompts,
    confirmProfile: settings.confirmProfile,
    updatedAt: settings.updatedAt?.toISOString() ?? null,
    defaultPrompts: DEFAULT_PROMPTS,
    placeholders: Object.fromEntries(Object.entries(PROMPTS).map(([id, names]) => [id, [...names]])),
  };
}

// Owners and admins (the channel managers: the qualifier is how the workspace's channels answer), or an
// API key with the admin scope.
const access = { permission: 'channels.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403);

/** The built-in qualifier's per-workspace settings: default language, required fields, prompt texts. */
export const qualifierSettingsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/agent/qualifier-settings',
    {
      config: { access },
      schema: {
        tags: ['agent'],
        summary: "The built-in qualifier's settings (defaults until saved)",
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toSettings(await getQualifierSettings(db, tenantId));
    },
  );

  app.put(
    '/api/v1/agent/qualifier-settings',
    {
      config: { access },
      schema: {
        tags: ['agent'],
        summary: "Replace the built-in qualifier's settings (prompts left out use the built-in text)",
        body: ZSettingsBody,
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const saved = await replaceQualifierSettings(db, tenantId, actor, {
        defaultLanguage: request.body.defaultLanguage,
        requiredFields: request.body.requiredFields,
        prompts: request.body.prompts as QualifierSettingsValues['prompts'],
        confirmProfile: request.body.confirmProfile,
      });
      return toSettings(saved);
    },
  );
};
