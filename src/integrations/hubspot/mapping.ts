import { z } from 'zod';
import type { FieldMapping } from './hubspot.table.js';

/** The unique contact property Leadline upserts by (created in the account if missing). */
export const LEADLINE_ID = 'leadline_id';
/** The unique deal property an accepted quote's deal is upserted by. */
export const LEADLINE_QUOTE_ID = 'leadline_quote_id';

/** Leadline's own fields a mapping may name; custom fields are `custom:<key>`. */
export const LEADLINE_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phoneE164',
  'company',
  'stage',
  'source',
  'consent.email_marketing',
  'consent.whatsapp',
  'consent.sms',
] as const;

export const DEFAULT_MAPPING: FieldMapping = {
  firstName: 'firstname',
  lastName: 'lastname',
  email: 'email',
  phoneE164: 'phone',
  company: 'company',
};

const ZSource = z.union([
  z.enum(LEADLINE_FIELDS),
  z.string().regex(/^custom:[a-z][a-z0-9_]{0,39}$/, 'must be a Leadline field or custom:<key>'),
]);
const ZProperty = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a HubSpot property name (lower case, digits, _)')
  .refine((name) => name !== LEADLINE_ID, `${LEADLINE_ID} is managed by Leadline`);

export const ZFieldMapping = z
  .record(ZSource, ZProperty)
  .refine((mapping) => Object.keys(mapping).length <= 60, 'at most 60 mapped fields')
  .refine(
    (mapping) => new Set(Object.values(mapping)).size === Object.values(mapping).length,
    'two fields cannot map to the same HubSpot property',
  );

/** What the sync reads of a contact besides its row. */
export interface ContactFacts {
  stageName: string | null;
  consent: Partial<Record<'email_marketing' | 'whatsapp' | 'sms', string>>;
}

/** A contact as the sync reads it (snapshot.ts). */
export interface SyncedContact {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneE164: string;
  company: string | null;
  source: string | null;
  customFields: Record<string, unknown>;
  facts: ContactFacts;
}

function sourceValue(contact: SyncedContact, source: string): string | null {
  if (source.startsWith('custom:')) {
    const value = contact.customFields?.[source.slice(7)];
    return value === undefined || value === null ? null : String(value);
  }
  if (source.startsWith('consent.')) {
    return contact.facts.consent[source.slice(8) as keyof ContactFacts['consent']] ?? null;
  }
  switch (source) {
    case 'stage':
      return contact.facts.stageName;
    case 'firstName':
    case 'lastName':
    case 'email':
    case 'phoneE164':
    case 'company':
    case 'source':
      return contact[source];
    default:
      return null;
  }
}

/**
 * A contact as HubSpot properties: the mapped fields that have a value, plus leadline_id. An empty field is
 * left out rather than sent blank, so Leadline never wipes what someone entered in HubSpot.
 */
export function contactProperties(contact: SyncedContact, mapping: FieldMapping): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [source, property] of Object.entries(mapping)) {
    const value = sourceValue(contact, source);
    if (value !== null && value !== '') properties[property] = value;
  }
  properties[LEADLINE_ID] = contact.id;
  return properties;
}
