import { createHmac, hkdfSync } from 'node:crypto';
import { canonicalEmail } from '../accounts/email-address.js';
import { canonicalPhone } from '../contacts/phone.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';

/**
 * Erased people are remembered only as a keyed hash (HMAC-SHA-256) of their canonical number and address,
 * per workspace: enough to say "this one asked to be forgotten" when an import or a campaign meets them
 * again, useless to anyone without the instance's secret key. Inbound code asks `isSuppressed` too, but a
 * person who writes again is still answered (see ADR 0031).
 */
export interface SuppressionTarget {
  phone?: string | null;
  email?: string | null;
}

function suppressionKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'leadline', 'privacy suppression v1', 32));
}

/**
 * The HMAC keys of the current and previous secret keys, for set-based checks in SQL (pgcrypto's
 * `hmac(canonical, key, 'sha256')` equals the digests stored here).
 */
export function suppressionKeys(secretKeys: readonly string[]): Buffer[] {
  return secretKeys.map(suppressionKey);
}

let processKeys: readonly Buffer[] | undefined;

/**
 * Set once per process at start, beside the data keys (server, worker, CLI): the set-based checks that
 * have no request to carry the keys (segment audiences, campaign sends) read them here.
 */
export function configureSuppressionFrom(config: {
  readonly secretKey: string;
  readonly previousSecretKeys: readonly string[];
}): void {
  processKeys = suppressionKeys([config.secretKey, ...config.previousSecretKeys]);
}

/** The process's suppression HMAC keys (current first); refuses to run unconfigured rather than skip the check. */
export function configuredSuppressionKeys(): readonly Buffer[] {
  if (!processKeys) throw new Error('privacy suppression is not configured (configureSuppressionFrom)');
  return processKeys;
}

function digests(secretKey: string, target: SuppressionTarget) {
  const key = suppressionKey(secretKey);
  const found: { kind: 'phone' | 'email'; digest: Buffer }[] = [];
  const phone = target.phone ? canonicalPhone(target.phone)?.e164 : undefined;
  if (phone) found.push({ kind: 'phone', digest: createHmac('sha256', key).update(phone).digest() });
  const email = target.email ? canonicalEmail(target.email) : null;
  if (email) found.push({ kind: 'email', digest: createHmac('sha256', key).update(email).digest() });
  return found;
}

export async function suppress(
  trx: TenantTransaction,
  secretKey: string,
  target: SuppressionTarget,
): Promise<number> {
  const rows = digests(secretKey, target);
  if (rows.length === 0) return 0;
  await trx
    .insertInto('privacySuppressions')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .execute();
  return rows.length;
}

/**
 * Whether a number or address belongs to someone erased from this workspace. `secretKeys` is the current
 * key first, then previous ones still accepted, so a key rotation does not forget anyone.
 */
export async function isSuppressed(
  trx: TenantTransaction,
  secretKeys: readonly string[],
  target: SuppressionTarget,
): Promise<boolean> {
  return (await suppressedSince(trx, secretKeys, target)) !== undefined;
}

/** When the number or address was last suppressed in this workspace, or undefined when it never was. */
export async function suppressedSince(
  trx: TenantTransaction,
  secretKeys: readonly string[],
  target: SuppressionTarget,
): Promise<Date | undefined> {
  const candidates = secretKeys.flatMap((key) => digests(key, target));
  if (candidates.length === 0) return undefined;
  const row = await trx
    .selectFrom('privacySuppressions')
    .select((eb) => eb.fn.max('createdAt').as('since'))
    .where((eb) =>
      eb.or(candidates.map((c) => eb.and([eb('kind', '=', c.kind), eb('digest', '=', c.digest)]))),
    )
    .executeTakeFirst();
  return row?.since ?? undefined;
}

/**
 * The guard on operators' and integrations' outbound messages (ADR 0031): a contact whose number or address
 * belongs to an erased, suppressed person is not contacted again (409 `contact_suppressed`) unless the person
 * wrote after the suppression: someone who writes again does so of their own accord and is answered.
 */
export async function assertMayContact(
  trx: TenantTransaction,
  secretKeys: readonly string[],
  contactId: string,
): Promise<void> {
  const contact = await trx
    .selectFrom('contacts')
    .select(['phoneE164', 'email'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!contact) return;
  const since = await suppressedSince(trx, secretKeys, { phone: contact.phoneE164, email: contact.email });
  if (since === undefined) return;
  const wroteSince = await trx
    .selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversationId')
    .select('messages.id')
    .where('conversations.contactId', '=', contactId)
    .where('messages.direction', '=', 'inbound')
    .where('messages.author', '=', 'customer')
    .where('messages.createdAt', '>=', since)
    .limit(1)
    .executeTakeFirst();
  if (wroteSince) return;
  throw new AppError(
    'contact_suppressed',
    'This person asked for their data to be erased and has not written since; they are not contacted again unless they write first',
  );
}
