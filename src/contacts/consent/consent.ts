import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import {
  CONSENT_CHANNELS,
  type ConsentChannel,
  type ConsentEntry,
  type ConsentSource,
  type ConsentState,
} from './consent.table.js';

export interface ConsentInput {
  contactId: string;
  channel: ConsentChannel;
  state: ConsentState;
  source: ConsentSource;
  shownText?: string | null;
  evidence?: Record<string, unknown>;
  actorUserId?: string | null;
  /** When the consent was given, if earlier than now (an import's column); never in the future. */
  recordedAt?: Date;
}

export type ConsentOutcome =
  | { recorded: true; entry: ConsentEntry }
  /** An opt-out stands: only the customer themself opts in again. */
  | { recorded: false; reason: 'opted_out_by_customer'; current: ConsentEntry };

/** The latest entry of each channel: the contact's current consent (no entry: never asked). */
export async function currentConsent(
  trx: TenantTransaction,
  contactId: string,
): Promise<Record<ConsentChannel, ConsentEntry | null>> {
  const rows = await trx
    .selectFrom('consentEntries')
    .selectAll()
    .distinctOn('channel')
    .where('contactId', '=', contactId)
    .orderBy('channel')
    .orderBy('recordedAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const current = Object.fromEntries(CONSENT_CHANNELS.map((c) => [c, null])) as Record<
    ConsentChannel,
    ConsentEntry | null
  >;
  for (const row of rows) current[row.channel] = row;
  return current;
}

async function latestEntry(
  trx: TenantTransaction,
  contactId: string,
  channel: ConsentChannel,
): Promise<ConsentEntry | undefined> {
  return trx
    .selectFrom('consentEntries')
    .selectAll()
    .where('contactId', '=', contactId)
    .where('channel', '=', channel)
    .orderBy('recordedAt', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** True when the contact's latest entry on the channel is an opt-out: nothing automatic may message them. */
export async function isOptedOut(
  trx: TenantTransaction,
  contactId: string,
  channel: ConsentChannel,
): Promise<boolean> {
  return (await latestEntry(trx, contactId, channel))?.state === 'opted_out';
}

/**
 * The one way consent changes: appends an entry to the ledger (never rewrites one). An opt-out is never
 * turned back into an opt-in by anyone but the customer (a keyword, a form they submitted): an import, an
 * operator or an integration gets `recorded: false` and nothing is written. The contact row is locked
 * first, so two writers of one contact's consent are serialised.
 */
export async function recordConsent(trx: TenantTransaction, input: ConsentInput): Promise<ConsentOutcome> {
  await trx.selectFrom('contacts').select('id').where('id', '=', input.contactId).forUpdate().execute();
  const current = await latestEntry(trx, input.contactId, input.channel);
  if (current?.state === 'opted_out' && input.state === 'opted_in' && input.source !== 'customer') {
    return { recorded: false, reason: 'opted_out_by_customer', current };
  }
  const recordedAt =
    input.recordedAt && input.recordedAt.getTime() < Date.now() ? input.recordedAt : undefined;
  const entry = await trx
    .insertInto('consentEntries')
    .values({
      contactId: input.contactId,
      channel: input.channel,
      state: input.state,
      source: input.source,
      shownText: input.shownText ?? null,
      evidence: JSON.stringify(input.evidence ?? {}),
      actorUserId: input.actorUserId ?? null,
      ...(recordedAt ? { recordedAt } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await publishInboxEvent(trx, { type: 'contact.updated', contactId: input.contactId });
  return { recorded: true, entry };
}

/**
 * What the CSV import calls for each consent cell: the same rule as `recordConsent` (an opt-out is never
 * overwritten by an import), with the import's provenance, and a repeat of the current state not written
 * again (re-running an import appends nothing).
 */
export async function recordImportedConsent(
  trx: TenantTransaction,
  input: Omit<ConsentInput, 'source'> & { importId: string },
): Promise<ConsentOutcome | { recorded: false; reason: 'unchanged'; current: ConsentEntry }> {
  const { importId, ...rest } = input;
  const current = await latestEntry(trx, input.contactId, input.channel);
  if (current && current.state === input.state) return { recorded: false, reason: 'unchanged', current };
  return recordConsent(trx, { ...rest, source: 'import', evidence: { ...rest.evidence, importId } });
}

/** The ledger of one contact, newest first (the timeline reads it too). */
export async function consentHistory(trx: TenantTransaction, contactId: string): Promise<ConsentEntry[]> {
  return trx
    .selectFrom('consentEntries')
    .selectAll()
    .where('contactId', '=', contactId)
    .orderBy('recordedAt', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
}

/** Contacts whose current state on `channel` is `state` (for list filters): a subquery of contact ids. */
export function contactsWithConsent(trx: TenantTransaction, channel: ConsentChannel, state: ConsentState) {
  return trx
    .selectFrom('consentEntries as ce')
    .select('ce.contactId')
    .where('ce.channel', '=', channel)
    .where('ce.state', '=', state)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('consentEntries as later')
            .select(sql`1`.as('one'))
            .whereRef('later.contactId', '=', 'ce.contactId')
            .where('later.channel', '=', channel)
            .where(sql<boolean>`(later.recorded_at, later.id) > (ce.recorded_at, ce.id)`),
        ),
      ),
    );
}
