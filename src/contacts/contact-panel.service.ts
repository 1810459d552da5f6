import type { Profile } from '../agent/agent.js';
import { findQualifierSettings } from '../agent/qualifier-settings.repository.js';
import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { currentConsent } from './consent/consent.js';
import type { ConsentChannel, ConsentEntry } from './consent/consent.table.js';
import { findContact } from './contacts.repository.js';
import type { Contact } from './contacts.table.js';
import {
  cleanProfileUpdates,
  isProfileComplete,
  PROFILE_KEYS,
  type ProfileKey,
  profileOf,
  recordProfileCompleted,
} from './profile.js';
import { findContactForUpdate, updateContactProfile } from './profile.repository.js';

export interface ContactPanel {
  contact: Contact;
  /** The profile fields the tenant's qualifier asks for, and those still unknown. */
  required: ProfileKey[];
  missing: ProfileKey[];
  /** The current consent of each channel (null: never recorded). */
  consent: Record<ConsentChannel, ConsentEntry | null>;
}

async function panelOf(trx: TenantTransaction, contact: Contact): Promise<ContactPanel> {
  const { requiredFields } = await findQualifierSettings(trx);
  const required = requiredFields.map((field) => PROFILE_KEYS[field]);
  const unknown = (key: ProfileKey) => contact[key] === null && !(key === 'company' && contact.companyNone);
  return {
    contact,
    required,
    missing: required.filter(unknown),
    consent: await currentConsent(trx, contact.id),
  };
}

export async function getContactPanel(db: Db, tenantId: string, id: string): Promise<ContactPanel> {
  return withTenant(db, tenantId, async (trx) => {
    const contact = await findContact(trx, id);
    if (!contact) throw new AppError('not_found', 'Contact not found');
    return panelOf(trx, contact);
  });
}

/**
 * An operator's edit of a contact's profile: values are cleaned and validated as the agent's profile
 * writes are; null clears a field (an empty string is refused before this, never taken as "erase").
 * Completion follows the tenant's required fields both ways: set once complete (with the same
 * `profile.completed` event as the agent's), cleared when a required field is cleared. The change is
 * audited (field names only) and announced to the live inbox.
 */
export async function editContactProfile(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  edits: Partial<Profile>,
): Promise<ContactPanel> {
  const cleared = (Object.keys(edits) as ProfileKey[]).filter((key) => edits[key] === null);
  const values = cleanProfileUpdates(edits);
  return withTenant(db, tenantId, async (trx) => {
    const existing = await findContactForUpdate(trx, id);
    if (!existing) throw new AppError('not_found', 'Contact not found');
    const requested: Partial<Record<ProfileKey, string | null>> = {
      ...Object.fromEntries(cleared.map((key) => [key, null])),
      ...values,
    };
    const changes = Object.fromEntries(
      Object.entries(requested).filter(([key, value]) => existing[key as ProfileKey] !== value),
    ) as Partial<Record<ProfileKey, string | null>>;
    const { requiredFields } = await findQualifierSettings(trx);
    // A company typed by the operator replaces "no company"; clearing it leaves the mark as it was.
    const companyNone = typeof changes.company === 'string' ? false : existing.companyNone;
    const complete = isProfileComplete({ ...profileOf(existing), ...changes }, requiredFields, companyNone);
    const completedNow = complete && existing.profileCompletedAt === null;
    const uncompleted = !complete && existing.profileCompletedAt !== null;
    if (Object.keys(changes).length === 0 && !completedNow && !uncompleted) return panelOf(trx, existing);

    const contact = await updateContactProfile(trx, id, changes, {
      markCompleted: completedNow,
      clearCompleted: uncompleted,
    });
    if (completedNow) await recordProfileCompleted(trx, contact);
    await auditChange(trx, tenantId, actor, 'contact.updated', {
      contactId: id,
      fields: Object.keys(changes),
      completedNow,
      uncompleted,
    });
    await publishInboxEvent(trx, { type: 'contact.updated', contactId: id });
    return panelOf(trx, contact);
  });
}
