import { sql } from 'kysely';
import { keysetPage } from '../platform/db/keyset.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { PageCursor } from '../platform/http/cursor.js';
import type { Campaign, CampaignRecipient, CampaignStatus, RecipientStatus } from './campaigns.table.js';

export async function findCampaign(
  trx: TenantTransaction,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Campaign | undefined> {
  let query = trx.selectFrom('campaigns').selectAll().where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Newest first, keyset on (created_at, id); one more row than asked tells whether a page follows. */
export async function listCampaigns(
  trx: TenantTransaction,
  filters: { after?: PageCursor | undefined; limit: number; status?: CampaignStatus | undefined },
): Promise<Campaign[]> {
  let query = trx
    .selectFrom('campaigns')
    .selectAll()
    .limit(filters.limit + 1);
  if (filters.status) query = query.where('status', '=', filters.status);
  return keysetPage(query, { time: 'created_at', id: 'id', direction: 'desc' }, filters.after).execute();
}

/** A recipient as the recipients list shows it: with the contact's name (null when they have none). */
export type ListedRecipient = CampaignRecipient & { contactName: string | null };

/**
 * A campaign's recipients in launch order, keyset on (created_at, id), each with its contact's name —
 * first and last name, else the profile name — read in the same statement (no query per row).
 */
export async function listRecipients(
  trx: TenantTransaction,
  campaignId: string,
  filters: { after?: PageCursor | undefined; limit: number; status?: RecipientStatus | undefined },
): Promise<ListedRecipient[]> {
  let query = trx
    .selectFrom('campaignRecipients as r')
    .leftJoin('contacts as ct', 'ct.id', 'r.contactId')
    .selectAll('r')
    .select(
      sql<
        string | null
      >`coalesce(nullif(trim(concat_ws(' ', ct.first_name, ct.last_name)), ''), nullif(trim(ct.display_name), ''))`.as(
        'contactName',
      ),
    )
    .where('r.campaignId', '=', campaignId)
    .orderBy('r.createdAt')
    .orderBy('r.id')
    .limit(filters.limit + 1);
  if (filters.status) query = query.where('r.status', '=', filters.status);
  const after = filters.after;
  if (after) {
    // A cursor's time is whole milliseconds, the column's microseconds: "after" is a later millisecond, or
    // the cursor's millisecond and a greater id. A campaign's recipients are all inserted by its launch
    // (one statement, one created_at), so this is the list's (created_at, id) order and keeps its index.
    const nextMs = new Date(after.at.getTime() + 1);
    query = query.where((eb) =>
      eb.or([
        eb('r.createdAt', '>=', nextMs),
        eb.and([
          eb('r.createdAt', '>=', after.at),
          eb('r.createdAt', '<', nextMs),
          eb('r.id', '>', after.id),
        ]),
      ]),
    );
  }
  return query.execute();
}

/** How many recipients of a campaign are in each status. */
export async function recipientCounts(
  trx: TenantTransaction,
  campaignId: string,
): Promise<Record<RecipientStatus, number>> {
  const rows = await trx
    .selectFrom('campaignRecipients')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('campaignId', '=', campaignId)
    .groupBy('status')
    .execute();
  const counts: Record<RecipientStatus, number> = {
    queued: 0,
    skipped: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    replied: 0,
    failed: 0,
    opted_out: 0,
    cancelled: 0,
  };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
