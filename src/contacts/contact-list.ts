import { type SqlBool, sql } from 'kysely';
import { inboxSearchTerm, likeContains } from '../conversations/inbox.repository.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { contactsWithConsent } from './consent/consent.js';
import type { ConsentChannel, ConsentState } from './consent/consent.table.js';
import type { Contact, ContactSource } from './contacts.table.js';
import { listCustomFields, valueSchema } from './custom-fields/custom-fields.js';
import { listStages } from './pipeline/pipeline.js';

export interface ContactListQuery {
  limit: number;
  after?: PageCursor | undefined;
  /** Names, e-mail, company or phone (any way it is typed). */
  q?: string | undefined;
  stageId?: string | undefined;
  /** A member's id, or `none` for contacts nobody owns. */
  owner?: string | undefined;
  source?: ContactSource | undefined;
  /** Contacts with a conversation carrying this label. */
  labelId?: string | undefined;
  consent?: { channel: ConsentChannel; state: ConsentState } | undefined;
  /** `key:value` pairs: the custom field equals the value (read by the field's type). */
  fields?: readonly string[] | undefined;
}

/** The list order: creation time in milliseconds (what a cursor holds), newest first; id breaks ties. */
const LIST_TIME = sql<Date>`date_trunc('milliseconds', contacts.created_at)`;

async function fieldConditions(trx: TenantTransaction, pairs: readonly string[]) {
  if (pairs.length === 0) return {};
  const definitions = new Map((await listCustomFields(trx)).map((d) => [d.key, d]));
  const wanted: Record<string, unknown> = {};
  for (const pair of pairs) {
    const colon = pair.indexOf(':');
    const key = colon > 0 ? pair.slice(0, colon) : '';
    const raw = pair.slice(colon + 1);
    const definition = definitions.get(key);
    const problem = (message: string) =>
      new AppError('validation_failed', message, { details: [{ path: 'querystring.field', message }] });
    if (!definition) throw problem(`No custom field has the key "${key.slice(0, 40)}"`);
    const candidate =
      definition.type === 'number'
        ? Number(raw)
        : definition.type === 'boolean'
          ? raw === 'true'
            ? true
            : raw === 'false'
              ? false
              : raw
          : raw;
    const parsed = valueSchema(definition).safeParse(candidate);
    if (!parsed.success) throw problem(`"${key}" is a ${definition.type} field; the value does not fit it`);
    wanted[key] = parsed.data;
  }
  return wanted;
}

/** A page of the workspace's contacts, filtered, newest first. */
export async function listContactPage(
  trx: TenantTransaction,
  query: ContactListQuery,
): Promise<Page<Contact>> {
  let select = trx.selectFrom('contacts').selectAll('contacts');
  if (query.q) {
    const term = inboxSearchTerm(query.q);
    if (term) select = select.where('contacts.searchText', 'like', likeContains(term));
  }
  if (query.stageId) {
    const stages = await listStages(trx);
    const first = stages[0];
    const stageId = query.stageId;
    // A contact without a stage is in the first one.
    select =
      first?.id === stageId
        ? select.where((eb) =>
            eb.or([eb('contacts.stageId', '=', stageId), eb('contacts.stageId', 'is', null)]),
          )
        : select.where('contacts.stageId', '=', stageId);
  }
  if (query.owner === 'none') select = select.where('contacts.ownerUserId', 'is', null);
  else if (query.owner) select = select.where('contacts.ownerUserId', '=', query.owner);
  if (query.source) select = select.where('contacts.source', '=', query.source);
  if (query.labelId) {
    const labelId = query.labelId;
    select = select.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('conversations as c')
          .innerJoin('conversationLabels as cl', 'cl.conversationId', 'c.id')
          .select(sql`1`.as('one'))
          .whereRef('c.contactId', '=', 'contacts.id')
          .where('cl.labelId', '=', labelId),
      ),
    );
  }
  if (query.consent) {
    const { channel, state } = query.consent;
    select = select.where('contacts.id', 'in', contactsWithConsent(trx, channel, state));
  }
  const wanted = await fieldConditions(trx, query.fields ?? []);
  if (Object.keys(wanted).length > 0) {
    select = select.where(sql<SqlBool>`contacts.custom_fields @> ${JSON.stringify(wanted)}::jsonb`);
  }
  if (query.after) {
    const { at, id } = query.after;
    select = select.where(sql<SqlBool>`(${LIST_TIME}, contacts.id) < (${at}, ${id})`);
  }
  const rows = await select
    .select(LIST_TIME.as('listTime'))
    .orderBy(LIST_TIME, 'desc')
    .orderBy('contacts.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return pageOf(rows as Contact[], query.limit, (row) => ({
    at: (row as Contact & { listTime: Date }).listTime,
    id: row.id,
  }));
}
