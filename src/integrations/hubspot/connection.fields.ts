import { z } from 'zod';
import { ZFieldMapping } from './mapping.js';

// HubSpot connection fields as the API and the CLI accept them (one definition for both).
export const ZHubspotToken = z
  .string()
  .regex(
    /^pat-[a-z0-9]{2,6}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'must be a private-app access token (pat-<region>-<uuid>)',
  );

export const ZFieldOwnership = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a HubSpot property name'),
    z.enum(['leadline', 'hubspot']),
  )
  .refine((ownership) => Object.keys(ownership).length <= 60, 'at most 60 rules');

export const ZNewHubspotConnection = z.strictObject({
  token: ZHubspotToken,
  mapping: ZFieldMapping.optional(),
  ownership: ZFieldOwnership.optional(),
  webhookSecret: z
    .string()
    .regex(/^[A-Za-z0-9-]{16,100}$/, 'must be the app’s client secret (16 to 100 letters, digits or -)')
    .optional()
    .describe('The client secret of the HubSpot app whose webhooks sign requests (signature v3)'),
});

export const ZMappingUpdate = z.strictObject({
  mapping: ZFieldMapping,
  ownership: ZFieldOwnership.optional(),
});
