import { canonicalEmail } from '../accounts/email-address.js';
import type { Profile } from '../agent/agent.js';
import type { ProfileField } from '../agent/qualifier-settings.table.js';
import { insertDomainEvent } from '../events/domain-events.repository.js';
import { notify } from '../notifications/notify.js';
import { allMembers, contactLabel } from '../notifications/recipients.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import type { Contact } from './contacts.table.js';
import { advanceOnEvent } from './pipeline/pipeline.js';
import { findContactForUpdate, updateContactProfile } from './profile.repository.js';

export type ProfileKey = keyof Profile;

/** The settings' snake_case field names and the profile's keys. */
export const PROFILE_KEYS: Readonly<Record<ProfileField, ProfileKey>> = {
  first_name: 'firstName',
  last_name: 'lastName',
  company: 'company',
  email: 'email',
};

/** The database's limits (checks in the migration). */
const MAX_LENGTH: Readonly<Record<ProfileKey, number>> = {
  firstName: 100,
  lastName: 100,
  company: 200,
  email: 254,
};

export function profileOf(contact: Contact): Profile {
  return {
    firstName: contact.firstName,
    lastName: contact.lastName,
    company: contact.company,
    email: contact.email,
  };
}

/** Whether every required field is known; a company the customer said they do not have counts as known. */
export function isProfileComplete(
  profile: Profile,
  requiredFields: readonly ProfileField[],
  companyNone = false,
): boolean {
  return requiredFields.every(
    (field) => profile[PROFILE_KEYS[field]] !== null || (field === 'company' && companyNone),
  );
}

/** What an agent learnt besides values: no company at all, or the customer's "yes" to the summary. */
export interface ProfileMarks {
  companyNone?: boolean;
  confirmed?: boolean;
}

/**
 * Trimmed values with inner whitespace collapsed; empty and null values are dropped (they never erase a
 * known field); the e-mail in its one canonical form. A value the database would refuse is a caller bug.
 */
export function cleanProfileUpdates(updates: Partial<Profile>): Partial<Record<ProfileKey, string>> {
  const clean: Partial<Record<ProfileKey, string>> = {};
  for (const key of Object.keys(MAX_LENGTH) as ProfileKey[]) {
    const raw = updates[key]?.replace(/\s+/g, ' ').trim();
    if (!raw) continue;
    const value = key === 'email' ? canonicalEmail(raw) : raw;
    if (value === null || value.length > MAX_LENGTH[key]) {
      const problem = key === 'email' ? 'is not a valid e-mail address' : 'is too long';
      throw new AppError('validation_failed', `The profile's ${key} ${problem}`, {
        details: [{ path: `body.${key}`, message: problem }],
      });
    }
    clean[key] = value;
  }
  return clean;
}

/**
 * Upserts a contact's profile: given fields overwrite, missing or empty ones leave what is known. When
 * every required field is known the profile is complete: `profile_completed_at` is set once and, in the
 * same transaction, a `profile.completed` domain event carries the profile to its readers (CRM sync).
 * `marks` record "no company" (cleared again by any company value) and the customer's confirmation (set
 * once). Every change is announced to the live inbox, so the contact panel fills in field by field.
 */
export async function applyProfileUpdates(
  trx: TenantTransaction,
  contactId: string,
  updates: Partial<Profile>,
  requiredFields: readonly ProfileField[],
  /** The contact's row as this transaction already holds it locked, if it does (saves reading it again). */
  held?: Contact,
  marks: ProfileMarks = {},
): Promise<{ contact: Contact; completedNow: boolean }> {
  const clean = cleanProfileUpdates(updates);
  const existing = held?.id === contactId ? held : await findContactForUpdate(trx, contactId);
  if (!existing) throw new AppError('not_found', 'Contact not found');

  const changes = Object.fromEntries(
    Object.entries(clean).filter(([key, value]) => existing[key as ProfileKey] !== value),
  ) as Partial<Record<ProfileKey, string>>;
  const merged: Profile = { ...profileOf(existing), ...changes };
  const companyNone = changes.company !== undefined ? false : (marks.companyNone ?? existing.companyNone);
  const flags = {
    ...(companyNone !== existing.companyNone ? { companyNone } : {}),
    ...(marks.confirmed && existing.profileConfirmedAt === null ? { markConfirmed: true } : {}),
  };
  const completedNow =
    existing.profileCompletedAt === null && isProfileComplete(merged, requiredFields, companyNone);
  if (Object.keys(changes).length === 0 && Object.keys(flags).length === 0 && !completedNow) {
    return { contact: existing, completedNow: false };
  }

  const contact = await updateContactProfile(trx, contactId, changes, {
    markCompleted: completedNow,
    ...flags,
  });
  await publishInboxEvent(trx, { type: 'contact.updated', contactId: contact.id });
  if (completedNow) await recordProfileCompleted(trx, contact);
  return { contact, completedNow };
}

/** The `profile.completed` domain event, in the completing transaction: CRM sync reads the profile from it. */
export async function recordProfileCompleted(trx: TenantTransaction, contact: Contact): Promise<void> {
  await insertDomainEvent(trx, {
    type: 'profile.completed',
    subjectId: contact.id,
    payload: { ...profileOf(contact), completedAt: contact.profileCompletedAt?.toISOString() ?? null },
  });
  await advanceOnEvent(trx, contact.id, 'qualified');
  await notifyLeadQualified(trx, contact);
}

/**
 * The lead's owner hears that it qualified; a lead nobody owns goes to the assignees of its open
 * conversations, or to every member. The notification opens the contact's latest conversation.
 */
async function notifyLeadQualified(trx: TenantTransaction, contact: Contact): Promise<void> {
  const conversations = await trx
    .selectFrom('conversations')
    .select(['id', 'assigneeUserId', 'status'])
    .where('contactId', '=', contact.id)
    .orderBy('activityAt', 'desc')
    .execute();
  const assignees = conversations
    .filter((c) => c.status === 'open' && c.assigneeUserId)
    .map((c) => c.assigneeUserId as string);
  const userIds = contact.ownerUserId
    ? [contact.ownerUserId]
    : assignees.length > 0
      ? assignees
      : await allMembers(trx);
  const latest = conversations[0];
  await notify(trx, {
    kind: 'lead_qualified',
    userIds,
    subject: latest ? { type: 'conversation', id: latest.id } : { type: 'contact', id: contact.id },
    title: `${await contactLabel(trx, contact.id)} is a qualified lead`,
    dedupeKey: `lead_qualified:${contact.id}:${contact.profileCompletedAt?.toISOString() ?? ''}`,
  });
}
