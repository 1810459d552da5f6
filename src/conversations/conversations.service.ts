import { findContact } from '../contacts/contacts.repository.js';
import { labelsOfConversations } from '../labels/labels.repository.js';
import type { Label } from '../labels/labels.table.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { findConversation } from './conversations.repository.js';
import {
  countInbox,
  findInboxRow,
  type InboxQuery,
  type InboxRow,
  listInbox,
  searchContactIds,
} from './inbox.repository.js';
import { listMessages } from './messages.repository.js';
import type { Message } from './messages.table.js';
import { resumeIfPauseOver } from './ownership.service.js';

export type InboxConversation = InboxRow & { labels: Label[] };

const activityKey = (row: InboxRow): PageCursor => ({ at: row.activityAt, id: row.id });

/**
 * A page of the inbox for a viewer (their read marks, their "mine"). Pauses that have ended are ended
 * now (recorded as the system's doing), so a reader never sees a conversation as paused when the bot is
 * in fact answering again.
 */
export async function listConversationPage(
  db: Db,
  tenantId: string,
  query: InboxQuery,
): Promise<Page<InboxConversation>> {
  return withTenant(db, tenantId, (trx) => inboxPage(trx, query));
}

/** A contact's conversations (every status), for the contact panel's history; 404 for an unknown contact. */
export async function listContactConversationPage(
  db: Db,
  tenantId: string,
  contactId: string,
  query: Omit<InboxQuery, 'contactId' | 'filter'>,
): Promise<Page<InboxConversation>> {
  return withTenant(db, tenantId, async (trx) => {
    if (!(await findContact(trx, contactId))) throw new AppError('not_found', 'Contact not found');
    return inboxPage(trx, { ...query, contactId });
  });
}

/**
 * A search's best plan depends on how common the term is, which only the data knows. The first
 * conversations in inbox order are walked first (bounded): a common term fills a page there. Otherwise
 * the hits in that probe estimate the term's share of the (filtered) conversations, hence how far a walk
 * must go to fill the page: when that is near enough, the walk goes that far (a walk costs well under a
 * microsecond a row, the trigram path about eight per match: re-checking each matching contact's row,
 * then fetching its conversation). A rarer term takes the trigram index, and only its few contacts'
 * conversations are sorted. Every path is exact: a walk that fills the page has seen every earlier
 * conversation, and one that falls short gives way to the next path. See ADR 0013 for the figures.
 */
const PROBE_CONVERSATIONS = 2000;
/** The longest estimated walk still cheaper than the trigram path (a term of about 0.5 % and up). */
const WALK_CONVERSATIONS = 12_000;
/** Slack over the estimated walk before it is tried: a probe's hit count is a small sample. */
const WALK_SLACK = 1.25;
const SEARCH_CANDIDATES = 5000;
const TRIGRAM = 3;

async function searchRows(trx: TenantTransaction, query: InboxQuery): Promise<InboxRow[]> {
  if (!query.search) return listInbox(trx, query);
  // Counted, not dressed: most probes are followed by another query whose rows are the page.
  const hits = await countInbox(trx, { ...query, scanLimit: PROBE_CONVERSATIONS });
  if (hits >= query.limit) return listInbox(trx, { ...query, scanLimit: PROBE_CONVERSATIONS });
  const estimate = (query.limit * PROBE_CONVERSATIONS) / hits;
  if (hits > 0 && estimate * WALK_SLACK <= WALK_CONVERSATIONS) {
    // The walk stops at the page's last match: its bound costs only when the estimate was too hopeful.
    const rows = await listInbox(trx, { ...query, scanLimit: WALK_CONVERSATIONS });
    if (rows.length >= query.limit) return rows;
  }
  if ([...query.search].length >= TRIGRAM) {
    const ids = await searchContactIds(trx, query.search, SEARCH_CANDIDATES + 1);
    if (ids.length <= SEARCH_CANDIDATES) return listInbox(trx, { ...query, contactIds: ids });
  }
  return listInbox(trx, query);
}

async function inboxPage(trx: TenantTransaction, query: InboxQuery): Promise<Page<InboxConversation>> {
  const rows = await searchRows(trx, { ...query, limit: query.limit + 1 });
  const page = pageOf(rows, query.limit, activityKey);
  const now = new Date();
  for (const [index, row] of page.items.entries()) {
    if (row.ownership !== 'paused' || !row.pausedUntil || row.pausedUntil > now) continue;
    const locked = await findConversation(trx, row.id, { forUpdate: true });
    if (!locked) continue;
    const resumed = await resumeIfPauseOver(trx, locked, now);
    page.items[index] = { ...row, ownership: resumed.ownership, pausedUntil: resumed.pausedUntil };
  }
  return { items: await withLabels(trx, page.items), next: page.next };
}

async function withLabels(trx: TenantTransaction, rows: InboxRow[]): Promise<InboxConversation[]> {
  const labels = await labelsOfConversations(
    trx,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...row, labels: labels.get(row.id) ?? [] }));
}

/** The conversation as the inbox shows it, read in the caller's transaction. */
export async function loadInboxConversation(
  trx: TenantTransaction,
  viewerUserId: string | null,
  id: string,
): Promise<InboxConversation> {
  const row = await findInboxRow(trx, viewerUserId, id);
  if (!row) throw new AppError('not_found', 'Conversation not found');
  const [withLabel] = await withLabels(trx, [row]);
  return withLabel as InboxConversation;
}

/** One conversation (404 for another tenant's: row-level security hides it), its ended pause applied. */
export async function getConversation(
  db: Db,
  tenantId: string,
  viewerUserId: string | null,
  id: string,
): Promise<InboxConversation> {
  return withTenant(db, tenantId, async (trx) => {
    const locked = await findConversation(trx, id, { forUpdate: true });
    if (!locked) throw new AppError('not_found', 'Conversation not found');
    await resumeIfPauseOver(trx, locked);
    return loadInboxConversation(trx, viewerUserId, id);
  });
}

export async function listMessagePage(
  db: Db,
  tenantId: string,
  conversationId: string,
  options: { limit: number; after?: PageCursor | undefined; order: 'asc' | 'desc' },
): Promise<Page<Message>> {
  return withTenant(db, tenantId, async (trx) => {
    const conversation = await findConversation(trx, conversationId);
    if (!conversation) throw new AppError('not_found', 'Conversation not found');
    const rows = await listMessages(trx, conversationId, {
      limit: options.limit + 1,
      after: options.after ? { sentAt: options.after.at, id: options.after.id } : undefined,
      order: options.order,
    });
    return pageOf(rows, options.limit, (row) => ({ at: row.sentAt, id: row.id }));
  });
}
