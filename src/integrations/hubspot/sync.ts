import { sql } from 'kysely';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { InTenant, TenantTransaction } from '../../platform/db/tenant-context.js';
import { minorToDecimal } from '../../quotes/money.js';
import { findHubspotConnection, hubspotAuth } from './connection.service.js';
import {
  HubspotApiError,
  type HubspotAuth,
  type HubspotClient,
  MAX_BATCH_INPUTS,
  type UpsertInput,
} from './hubspot.client.js';
import type { FieldMapping, OutboxKind, OutboxRow } from './hubspot.table.js';
import { contactProperties, LEADLINE_ID, LEADLINE_QUOTE_ID, type SyncedContact } from './mapping.js';
import { contactSnapshots, dealSnapshots } from './snapshot.js';

export interface SyncContext {
  inTenant: InTenant;
  client: HubspotClient;
  box: SecretBox;
}

interface Account {
  auth: HubspotAuth;
  mapping: FieldMapping;
}

/** What one pass wrote, and the records that go on to a job of their own (retried, then dead-lettered). */
export interface PassOutcome {
  written: number;
  /** Records HubSpot refused, moved out of the batch. */
  refused: { kind: OutboxKind; refId: string }[];
}

async function account(ctx: SyncContext): Promise<Account | undefined> {
  const connection = await ctx.inTenant(findHubspotConnection);
  if (!connection) return undefined;
  return { auth: hubspotAuth(ctx.box, connection), mapping: connection.mapping };
}

/**
 * Pending outbox rows of a kind, oldest first. A batch takes rows HubSpot has not refused; a record's own
 * job (`only`) takes its row whatever happened before.
 */
function pending(trx: TenantTransaction, kind: OutboxKind, limit: number, only: string | undefined) {
  let query = trx.selectFrom('hubspotOutbox').selectAll().where('kind', '=', kind);
  query = only === undefined ? query.where('lastError', 'is', null) : query.where('refId', '=', only);
  return query.orderBy('id').limit(limit).execute();
}

/** Refused rows stay in the outbox, set aside with HubSpot's error category, for their own job. */
async function setAside(
  trx: TenantTransaction,
  rows: readonly OutboxRow[],
  failed: ReadonlyMap<string, string>,
) {
  for (const row of rows) {
    await trx
      .updateTable('hubspotOutbox')
      .set((eb) => ({
        lastError: `HubSpot refused it (${(failed.get(row.refId) ?? 'refused').slice(0, 100)})`,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', row.id)
      .execute();
  }
}

/**
 * Settles sent rows: a row goes only if its version is still the one sent (a change that came in while
 * the batch was in flight keeps it pending, so the newer state is sent next, after this write).
 */
async function settle(
  trx: TenantTransaction,
  kind: OutboxKind,
  sent: readonly OutboxRow[],
  hubspotIds: ReadonlyMap<string, string>,
): Promise<void> {
  const written = sent.filter((row) => hubspotIds.has(row.refId));
  if (written.length > 0) {
    await trx
      .insertInto('hubspotRecords')
      .values(
        written.map((row) => ({ kind, refId: row.refId, hubspotId: hubspotIds.get(row.refId) as string })),
      )
      .onConflict((conflict) =>
        conflict.columns(['tenantId', 'kind', 'refId']).doUpdateSet((eb) => ({
          hubspotId: eb.ref('excluded.hubspotId'),
          syncedAt: new Date(),
        })),
      )
      .execute();
    await sql`
      update hubspot_connections set last_sync_at = now(), synced_total = synced_total + ${written.length}`.execute(
      trx,
    );
  }
  await deleteSettled(trx, sent);
  // Written, but changed again meanwhile: pending for the next batch, not set aside any more.
  if (written.length > 0) {
    await trx
      .updateTable('hubspotOutbox')
      .set({ lastError: null })
      .where(
        'id',
        'in',
        written.map((row) => row.id),
      )
      .execute();
  }
}

async function deleteSettled(trx: TenantTransaction, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    delete from hubspot_outbox o using unnest(${rows.map((row) => row.id)}::bigint[], ${rows.map((row) => row.version)}::int[]) as s(id, version)
    where o.id = s.id and o.version = s.version`.execute(trx);
}

function contactInput(idProperty: string, snapshot: SyncedContact, mapping: FieldMapping): UpsertInput {
  const properties = contactProperties(snapshot, mapping);
  if (idProperty === 'email') {
    return { idProperty, id: snapshot.email as string, properties };
  }
  const { [LEADLINE_ID]: id, ...rest } = properties;
  return { idProperty, id: id as string, properties: rest };
}

/**
 * Upserts contacts by leadline_id; a contact HubSpot already holds under its e-mail address (created there
 * by hand, or by a form) is matched by e-mail instead, which stamps leadline_id on it.
 */
export async function upsertContacts(
  client: HubspotClient,
  acct: Account,
  snapshots: readonly SyncedContact[],
): Promise<{ ids: Map<string, string>; failed: Map<string, string> }> {
  const ids = new Map<string, string>();
  const failed = new Map<string, string>();
  if (snapshots.length === 0) return { ids, failed };
  const first = await client.batchUpsert(
    acct.auth,
    'contacts',
    snapshots.map((snapshot) => contactInput(LEADLINE_ID, snapshot, acct.mapping)),
  );
  for (const [id, hubspotId] of first.ids) ids.set(id, hubspotId);
  const byEmail = snapshots.filter(
    (snapshot) => first.failed.get(snapshot.id) === 'CONFLICT' && snapshot.email,
  );
  for (const [id, category] of first.failed) if (!byEmail.some((s) => s.id === id)) failed.set(id, category);
  if (byEmail.length > 0) {
    const second = await client.batchUpsert(
      acct.auth,
      'contacts',
      byEmail.map((snapshot) => contactInput('email', snapshot, acct.mapping)),
    );
    for (const snapshot of byEmail) {
      const hubspotId = second.ids.get(snapshot.email as string);
      if (hubspotId) ids.set(snapshot.id, hubspotId);
      else failed.set(snapshot.id, second.failed.get(snapshot.email as string) ?? 'NO_RESULT');
    }
  }
  return { ids, failed };
}

/** One batch of contacts from the outbox: up to 100, sent in one request. */
export async function syncContactBatch(
  ctx: SyncContext,
  acct: Account,
  only?: string,
): Promise<PassOutcome | undefined> {
  const claimed = await ctx.inTenant(async (trx) => {
    const rows = await pending(trx, 'contact', MAX_BATCH_INPUTS, only);
    return {
      rows,
      snapshots: await contactSnapshots(
        trx,
        rows.map((row) => row.refId),
      ),
    };
  });
  if (claimed.rows.length === 0) return undefined;
  const present = claimed.rows.filter((row) => claimed.snapshots.has(row.refId));
  const gone = claimed.rows.filter((row) => !claimed.snapshots.has(row.refId));
  let outcome: { ids: Map<string, string>; failed: Map<string, string> };
  try {
    outcome = await upsertContacts(
      ctx.client,
      acct,
      present.map(
        (row) => claimed.snapshots.get(row.refId) as NonNullable<ReturnType<typeof claimed.snapshots.get>>,
      ),
    );
  } catch (error) {
    // A refusal of the whole batch (not an outage): each record goes on alone, so one bad record cannot
    // hold back the others, and the one that keeps failing ends as a dead letter.
    if (error instanceof HubspotApiError && !error.retryable) {
      outcome = {
        ids: new Map(),
        failed: new Map(present.map((row) => [row.refId, error.category ?? 'refused'])),
      };
    } else throw error;
  }
  const refused = present.filter((row) => outcome.failed.has(row.refId));
  await ctx.inTenant(async (trx) => {
    await settle(
      trx,
      'contact',
      present.filter((row) => !outcome.failed.has(row.refId)),
      outcome.ids,
    );
    await deleteSettled(trx, gone);
    await setAside(trx, refused, outcome.failed);
  });
  return {
    written: outcome.ids.size,
    refused: refused.map((row) => ({ kind: 'contact' as const, refId: row.refId })),
  };
}

function dealProperties(
  deal: Awaited<ReturnType<typeof dealSnapshots>> extends Map<string, infer D> ? D : never,
) {
  let amount: string;
  try {
    amount = minorToDecimal(BigInt(deal.totalMinor), deal.currency);
  } catch {
    amount = '0';
  }
  return {
    dealname: `Quote ${deal.number}`.slice(0, 200),
    amount,
    deal_currency_code: deal.currency,
    dealstage: 'closedwon',
    pipeline: 'default',
  };
}

/**
 * Accepted quotes as deals: upserted by leadline_quote_id (so a retry never makes a second deal), then
 * associated with the contact's HubSpot record (the contact is synced first when it never was).
 */
export async function syncDealBatch(
  ctx: SyncContext,
  acct: Account,
  only?: string,
): Promise<PassOutcome | undefined> {
  const claimed = await ctx.inTenant(async (trx) => {
    const rows = await pending(trx, 'deal', MAX_BATCH_INPUTS, only);
    const deals = await dealSnapshots(
      trx,
      rows.map((row) => row.refId),
    );
    const contactIds = [
      ...new Set([...deals.values()].flatMap((deal) => (deal.contactId ? [deal.contactId] : []))),
    ];
    const known =
      contactIds.length === 0
        ? []
        : await trx
            .selectFrom('hubspotRecords')
            .select(['refId', 'hubspotId'])
            .where('kind', '=', 'contact')
            .where('refId', 'in', contactIds)
            .execute();
    const unknown = contactIds.filter((id) => !known.some((row) => row.refId === id));
    return {
      rows,
      deals,
      contacts: new Map(known.map((row) => [row.refId, row.hubspotId])),
      unsynced: await contactSnapshots(trx, unknown),
    };
  });
  if (claimed.rows.length === 0) return undefined;
  const contacts = claimed.contacts;
  if (claimed.unsynced.size > 0) {
    const synced = await upsertContacts(ctx.client, acct, [...claimed.unsynced.values()]);
    for (const [id, hubspotId] of synced.ids) contacts.set(id, hubspotId);
  }
  const present = claimed.rows.filter((row) => claimed.deals.has(row.refId));
  const gone = claimed.rows.filter((row) => !claimed.deals.has(row.refId));
  const inputs = present.map((row) => ({
    idProperty: LEADLINE_QUOTE_ID,
    id: row.refId,
    properties: dealProperties(
      claimed.deals.get(row.refId) as NonNullable<ReturnType<typeof claimed.deals.get>>,
    ),
  }));
  const outcome =
    inputs.length > 0
      ? await ctx.client.batchUpsert(acct.auth, 'deals', inputs)
      : { ids: new Map<string, string>(), failed: new Map<string, string>() };
  for (const row of present) {
    const dealId = outcome.ids.get(row.refId);
    const contactId = claimed.deals.get(row.refId)?.contactId;
    const contactHubspotId = contactId ? contacts.get(contactId) : undefined;
    if (dealId && contactHubspotId)
      await ctx.client.associateDealWithContact(acct.auth, dealId, contactHubspotId);
  }
  const refused = present.filter((row) => !outcome.ids.has(row.refId));
  await ctx.inTenant(async (trx) => {
    if (claimed.unsynced.size > 0) {
      const ids = new Map(
        [...claimed.unsynced.keys()].flatMap((id) =>
          contacts.has(id) ? [[id, contacts.get(id) as string]] : [],
        ),
      );
      if (ids.size > 0) {
        await trx
          .insertInto('hubspotRecords')
          .values([...ids].map(([refId, hubspotId]) => ({ kind: 'contact' as const, refId, hubspotId })))
          .onConflict((conflict) => conflict.columns(['tenantId', 'kind', 'refId']).doNothing())
          .execute();
      }
    }
    await settle(
      trx,
      'deal',
      present.filter((row) => outcome.ids.has(row.refId)),
      outcome.ids,
    );
    await deleteSettled(trx, gone);
    await setAside(trx, refused, outcome.failed);
  });
  return {
    written: outcome.ids.size,
    refused: refused.map((row) => ({ kind: 'deal' as const, refId: row.refId })),
  };
}

/** Loads the connection; undefined when HubSpot is not connected (nothing to do). */
export { account as connectedAccount };
