import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

export const CONSENT_CHANNELS = ['whatsapp', 'sms', 'email_marketing'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
export const CONSENT_STATES = ['opted_in', 'opted_out'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];
/**
 * Who gave or withdrew consent: the customer themself, or someone recording it for them. `email_provider`:
 * a mail provider reported the address undeliverable (a hard bounce), which withdraws e-mail like an opt-out.
 */
export const CONSENT_SOURCES = [
  'customer',
  'operator',
  'import',
  'api',
  'widget',
  'campaign',
  'email_provider',
] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** Append-only (the application role may not update or delete it). */
export interface ConsentEntriesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  contactId: string;
  channel: ConsentChannel;
  state: ConsentState;
  source: ConsentSource;
  /** The words the person saw when consenting (a form's consent line), or the keyword they sent. */
  shownText: string | null;
  evidence: JsonColumn<Record<string, unknown>>;
  actorUserId: string | null;
  recordedAt: Generated<Date>;
}
export type ConsentEntry = Selectable<ConsentEntriesTable>;
