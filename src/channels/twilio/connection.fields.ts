import { z } from 'zod';

// Twilio connection fields as the API and the CLI accept them (one definition for both).
export const ZNewConnection = z
  .strictObject({
    accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'must be an Account SID (AC followed by 32 hex digits)'),
    authToken: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32-character auth token'),
    apiKeySid: z
      .string()
      .regex(/^SK[0-9a-f]{32}$/, 'must be an API key SID (SK followed by 32 hex digits)')
      .optional(),
    apiKeySecret: z
      .string()
      .regex(/^[A-Za-z0-9]{32}$/, 'must be the 32-character API key secret')
      .optional(),
  })
  .refine((input) => (input.apiKeySid === undefined) === (input.apiKeySecret === undefined), {
    message: 'apiKeySid and apiKeySecret go together',
    path: ['apiKeySecret'],
  });

export const ZNewNumber = z.strictObject({
  phoneE164: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as +390212345678'),
  sms: z.boolean().default(true),
  voice: z.boolean().default(true),
});
