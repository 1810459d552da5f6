import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { contactsWithConsent as contactsCurrentlyConsenting } from '../contacts/consent/consent.js';
import type { ConsentChannel } from '../contacts/consent/consent.table.js';
import { E164_PATTERN, isMessageableMobile } from '../contacts/phone.js';
import type { Database } from '../platform/db/schema.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { configuredSuppressionKeys } from '../privacy/suppression.js';
import { type SegmentFilter, segmentConditions } from './audience.js';

export const AUDIENCE_CHANNELS = ['whatsapp', 'sms', 'email'] as const;
export type AudienceChannel = (typeof AUDIENCE_CHANNELS)[number];

/** Why a contact of an audience is not messaged, in the order they are checked (the first that applies counts). */
export const EXCLUSION_REASONS = [
  'suppressed',
  'opted_out',
  'invalid_number',
  'no_email',
  'no_consent',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface AudiencePreview {
  /** Contacts the filter matches. */
  total: number;
  /** Of those, the ones a campaign on the channel would message. */
  eligible: number;
  /** The others, each under its first reason. */
  excluded: Record<ExclusionReason, number>;
  /** Matching contacts the caller excluded (`excludeContactIds`, e.g. already in a running campaign). */
  excludedByCaller: number;
}

const CONSENT_CHANNEL: Record<AudienceChannel, ConsentChannel> = {
  whatsapp: 'whatsapp',
  sms: 'sms',
  email: 'email_marketing',
};

type ContactsEb = ExpressionBuilder<Database, 'contacts'>;

/** The customer wrote (of their own accord) after `since`: suppression no longer holds (ADR 0031). */
function wroteSince(since: ReturnType<typeof sql.ref>) {
  return sql`exists (
    select 1 from messages m join conversations c on c.id = m.conversation_id
    where c.contact_id = contacts.id and m.direction = 'inbound' and m.author = 'customer'
      and m.created_at >= ${since})`;
}

/**
 * The contact's number or address is an erased person's (a keyed hash in privacy_suppressions) and they have
 * not written since. Computed only when the workspace has suppressions at all (an InitPlan, once).
 */
function suppressedExpression() {
  const keys = configuredSuppressionKeys();
  if (keys.length === 0) return sql<boolean>`false`;
  const keyArray = sql`${[...keys]}::bytea[]`;
  const since = sql.ref('p.created_at');
  return sql<boolean>`case when exists (select 1 from privacy_suppressions) then exists (
      select 1 from unnest(${keyArray}) as k (key)
        join privacy_suppressions p
          on p.kind = 'phone' and p.digest = hmac(convert_to(contacts.phone_e164, 'UTF8'), k.key, 'sha256')
      where not ${wroteSince(since)}
      union all
      select 1 from unnest(${keyArray}) as k (key)
        join privacy_suppressions p
          on p.kind = 'email' and p.digest = hmac(convert_to(contacts.email, 'UTF8'), k.key, 'sha256')
      where contacts.email is not null and not ${wroteSince(since)}
    ) else false end`;
}

/** The first exclusion reason of the row `contacts` (joined with its latest consent as `consent`), or null. */
function reasonExpression(channel: AudienceChannel) {
  const reachable =
    channel === 'email'
      ? sql`when contacts.email is null then 'no_email'`
      : sql`when contacts.phone_e164 !~ ${E164_PATTERN} then 'invalid_number'`;
  return sql<ExclusionReason | null>`case
      when ${suppressedExpression()} then 'suppressed'
      when consent.state = 'opted_out' then 'opted_out'
      ${reachable}
      when consent.state is distinct from 'opted_in' then 'no_consent'
    end`;
}

/** Contacts with their latest consent entry on the channel (`consent.state`; null: never asked). */
function contactsWithConsent(trx: TenantTransaction, channel: AudienceChannel) {
  const consentChannel = CONSENT_CHANNEL[channel];
  return trx.selectFrom('contacts').leftJoinLateral(
    (eb) =>
      eb
        .selectFrom('consentEntries as ce')
        .select('ce.state')
        .whereRef('ce.contactId', '=', 'contacts.id')
        .where('ce.channel', '=', consentChannel)
        .orderBy('ce.recordedAt', 'desc')
        .orderBy('ce.id', 'desc')
        .limit(1)
        .as('consent'),
    (join) => join.onTrue(),
  );
}

function matching(filter: SegmentFilter) {
  return (eb: ContactsEb) => segmentConditions(eb, filter);
}

/** Counts of a filter's audience for a channel: total, eligible, and excluded by reason (one statement). */
export async function audiencePreview(
  trx: TenantTransaction,
  filter: SegmentFilter,
  channel: AudienceChannel,
  // biome-ignore lint/suspicious/noExplicitAny: any subquery selecting contact ids
  opts: { excludeContactIds?: SelectQueryBuilder<any, any, { contactId: string }> } = {},
): Promise<AudiencePreview> {
  const { excludeContactIds } = opts;
  const classified = contactsWithConsent(trx, channel)
    .where(matching(filter) as never)
    .select([
      reasonExpression(channel).as('reason'),
      (excludeContactIds ? sql<boolean>`contacts.id in (${excludeContactIds})` : sql<boolean>`false`).as(
        'byCaller',
      ),
    ]);
  const counts = await trx
    .selectFrom(classified.as('a'))
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`(count(*) filter (where a.by_caller))::int`.as('byCaller'),
      sql<number>`(count(*) filter (where not a.by_caller and a.reason is null))::int`.as('eligible'),
      // Aliases without underscores: the camel-case plugin would rename `opted_out` in the result.
      ...EXCLUSION_REASONS.map((reason, index) =>
        sql<number>`(count(*) filter (where not a.by_caller and a.reason = ${reason}))::int`.as(`x${index}`),
      ),
    ])
    .executeTakeFirstOrThrow();
  return {
    total: counts.total,
    eligible: counts.eligible,
    excluded: Object.fromEntries(
      EXCLUSION_REASONS.map((reason, index) => [
        reason,
        (counts as Record<string, number>)[`x${index}`] ?? 0,
      ]),
    ) as Record<ExclusionReason, number>,
    excludedByCaller: counts.byCaller,
  };
}

/**
 * Subquery of eligible contact ids for a filter and channel (used to freeze an audience in one INSERT ...
 * SELECT): the contacts `reasonExpression` gives no reason, written as set-based conditions so a whole
 * workspace is two hash joins (current consent is an anti-join on later entries), not a consent lookup per
 * contact: currently opted in on the channel, reachable on it, not suppressed.
 */
export function eligibleContactIds(
  trx: TenantTransaction,
  filter: SegmentFilter,
  channel: AudienceChannel,
  // biome-ignore lint/suspicious/noExplicitAny: the contract's shape: usable in any `in (...)` or insert-select
): SelectQueryBuilder<any, any, { contactId: string }> {
  const reachable =
    channel === 'email'
      ? sql<boolean>`contacts.email is not null`
      : sql<boolean>`contacts.phone_e164 ~ ${E164_PATTERN}`;
  return trx
    .selectFrom('contacts')
    .where(matching(filter) as never)
    .where('contacts.id', 'in', contactsCurrentlyConsenting(trx, CONSENT_CHANNEL[channel], 'opted_in'))
    .where(reachable)
    .where(sql<boolean>`not (${suppressedExpression()})`)
    .select('contacts.id as contactId');
}

/**
 * Re-check at send time for one contact: the same rules as the audience, and the number's full validity
 * (libphonenumber: a valid mobile), which SQL cannot tell.
 */
export async function recipientEligibility(
  trx: TenantTransaction,
  contactId: string,
  channel: AudienceChannel,
): Promise<{ eligible: true } | { eligible: false; reason: ExclusionReason }> {
  const row = await contactsWithConsent(trx, channel)
    .where('contacts.id', '=', contactId)
    .select(['contacts.phoneE164', reasonExpression(channel).as('reason')])
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Contact not found');
  if (row.reason) return { eligible: false, reason: row.reason };
  if (channel !== 'email' && !isMessageableMobile(row.phoneE164)) {
    return { eligible: false, reason: 'invalid_number' };
  }
  return { eligible: true };
}

export interface SampleContact {
  id: string;
  name: string | null;
  phoneE164: string;
  email: string | null;
  /** Why the contact would not be messaged on the channel; null: eligible. */
  reason: ExclusionReason | null;
}

/** The newest `limit` contacts of the audience, each with its verdict for the channel (the builder shows them). */
export async function audienceSample(
  trx: TenantTransaction,
  filter: SegmentFilter,
  channel: AudienceChannel,
  limit: number,
): Promise<SampleContact[]> {
  const rows = await contactsWithConsent(trx, channel)
    .where(matching(filter) as never)
    .select([
      'contacts.id',
      'contacts.displayName',
      'contacts.firstName',
      'contacts.lastName',
      'contacts.phoneE164',
      'contacts.email',
      reasonExpression(channel).as('reason'),
    ])
    .orderBy('contacts.createdAt', 'desc')
    .orderBy('contacts.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => {
    const fullName = [row.firstName, row.lastName].filter(Boolean).join(' ');
    return {
      id: row.id,
      name: fullName || row.displayName,
      phoneE164: row.phoneE164,
      email: row.email,
      reason: row.reason,
    };
  });
}
