import { z } from 'zod';
import { isConfiguredNumber } from './phone-policy.js';

const ZPlainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(
      /^[^\p{Cc}\u200B-\u200F\u202A-\u202E\u2066-\u2069]+$/u,
      'must not contain control or invisible characters',
    );

/** An origin exactly as browsers send it: scheme, host and optional port; no path, no wildcard. */
const ZOrigin = z
  .string()
  .max(200)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://www.example.com');

const ZAgentNumber = z.string().refine(isConfiguredNumber, 'must be a valid E.164 number');
const ZColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1a73e8');

const ZLanguageTexts = z
  .strictObject({
    title: ZPlainText(80).optional(),
    button: ZPlainText(40).optional(),
    consent: ZPlainText(300).optional(),
  })
  .optional();
export const ZWidgetTexts = z.strictObject({
  en: ZLanguageTexts,
  it: ZLanguageTexts,
  pt: ZLanguageTexts,
  es: ZLanguageTexts,
});

export const ZWidgetFields = {
  name: ZPlainText(100),
  allowedOrigins: z.array(ZOrigin).max(20),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
  texts: ZWidgetTexts,
  colors: z.strictObject({ accent: ZColor.optional(), text: ZColor.optional() }),
  agentNumbers: z.array(ZAgentNumber).min(1).max(10),
  ringStrategy: z.enum(['simultaneous', 'sequential']),
  callerNumberId: z.uuid().nullable(),
};

export const ZNewWidget = z.strictObject({
  name: ZWidgetFields.name,
  allowedOrigins: ZWidgetFields.allowedOrigins,
  defaultCountry: ZWidgetFields.defaultCountry.default('US'),
  texts: ZWidgetFields.texts.default({}),
  colors: ZWidgetFields.colors.default({}),
  agentNumbers: ZWidgetFields.agentNumbers,
  ringStrategy: ZWidgetFields.ringStrategy.default('simultaneous'),
  callerNumberId: ZWidgetFields.callerNumberId.default(null),
});
export const ZWidgetChanges = z
  .strictObject({ ...ZWidgetFields, disabled: z.boolean() })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'nothing to change');

export const ZCallbackSettings = z.strictObject({
  allowedCountries: z.array(z.string().regex(/^[A-Z]{2}$/)).max(250),
  retryAfterMinutes: z.number().int().min(1).max(1440),
  maxRetries: z.number().int().min(0).max(10),
  machineDetection: z.boolean(),
  perNumberPerDay: z.number().int().min(1).max(100),
  perWidgetPerDay: z.number().int().min(1).max(100_000),
  notifyEmail: z.email().max(254).nullable(),
  notifySmsE164: ZAgentNumber.nullable(),
});
