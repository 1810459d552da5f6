import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { ZEmail } from '../accounts/email-address.js';
import { CONSENT_CHANNELS, CONSENT_STATES } from '../contacts/consent/consent.table.js';
import { importPhone } from '../contacts/import/import-rows.js';
import { ZLine, ZText } from '../platform/http/text-fields.js';

const MAX_CUSTOM_FIELDS = 50;
const MAX_EVIDENCE_KEYS = 20;

const ZScalar = z.union([z.string().max(1_000), z.number().finite(), z.boolean()]);

const ZConsent = z.strictObject({
  channel: z.enum(CONSENT_CHANNELS),
  state: z.enum(CONSENT_STATES).default('opted_in'),
  /** The exact words the person saw next to the checkbox or button. */
  shownText: ZText(2_000),
  /** Where and how consent was given: form URL, IP address, user agent, checkbox id... */
  evidence: z
    .record(z.string().min(1).max(60), ZScalar)
    .refine((value) => Object.keys(value).length <= MAX_EVIDENCE_KEYS, {
      message: `at most ${MAX_EVIDENCE_KEYS} evidence entries`,
    })
    .default({}),
  /** When consent was given, if before the delivery (never in the future). */
  givenAt: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The documented JSON body of a signed lead delivery (README "Lead sources"). Unknown keys are refused,
 * so a misspelt field is an error rather than silently dropped.
 */
export const ZLeadPayload = z
  .strictObject({
    externalId: ZLine(200).optional(),
    name: ZLine(100).optional(),
    surname: ZLine(100).optional(),
    company: ZLine(200).optional(),
    email: ZEmail.optional(),
    phone: z.string().max(40).optional(),
    /** ISO 3166-1 alpha-2 country of a phone number written without its international prefix. */
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as IT')
      .optional(),
    customFields: z
      .record(z.string().min(1).max(40), z.union([ZScalar, z.null()]))
      .refine((value) => Object.keys(value).length <= MAX_CUSTOM_FIELDS, {
        message: `at most ${MAX_CUSTOM_FIELDS} custom fields`,
      })
      .optional(),
    consent: z.array(ZConsent).max(CONSENT_CHANNELS.length).optional(),
  })
  .superRefine((lead, ctx) => {
    if (lead.phone === undefined && lead.email === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['phone'],
        message: 'a phone number or an e-mail address is required',
      });
    }
    if (lead.phone !== undefined && !importPhone(lead.phone, lead.country as CountryCode | undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['phone'],
        message: 'is not a valid phone number (write it with its +country code, or send country)',
      });
    }
    const channels = new Set(lead.consent?.map((entry) => entry.channel));
    if (channels.size !== (lead.consent?.length ?? 0)) {
      ctx.addIssue({ code: 'custom', path: ['consent'], message: 'one entry per channel' });
    }
  })
  .transform((lead) => ({
    ...lead,
    phone:
      lead.phone === undefined ? undefined : importPhone(lead.phone, lead.country as CountryCode | undefined),
  }));

export type TLeadPayload = z.output<typeof ZLeadPayload>;
