import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { PageCursor } from '../platform/http/cursor.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { consentHistory, currentConsent, recordConsent } from './consent/consent.js';
import type { ConsentChannel, ConsentState } from './consent/consent.table.js';
import { type ContactListQuery, listContactPage } from './contact-list.js';
import { findContact } from './contacts.repository.js';
import {
  type CustomFieldValue,
  validateCustomFieldValues,
  writeCustomFieldValues,
} from './custom-fields/custom-fields.js';
import { moveContact, setOwner } from './pipeline/pipeline.js';
import { contactTimelinePage } from './timeline.js';

export function listContacts(db: Db, tenantId: string, query: ContactListQuery) {
  return withTenant(db, tenantId, (trx) => listContactPage(trx, query));
}

export function contactTimeline(
  db: Db,
  tenantId: string,
  contactId: string,
  page: { limit: number; after?: PageCursor | undefined },
) {
  return withTenant(db, tenantId, (trx) => contactTimelinePage(trx, contactId, page));
}

export interface LeadEdit {
  stageId?: string | undefined;
  ownerUserId?: string | null | undefined;
  customFields?: Record<string, unknown> | undefined;
}

/**
 * The lead side of a contact edit (stage, owner, custom field values), in one transaction: values are
 * checked against the workspace's field definitions; a move and an owner change go to the timeline.
 */
export async function editLead(db: Db, tenantId: string, actor: Actor, contactId: string, edit: LeadEdit) {
  return withTenant(db, tenantId, async (trx) => {
    if (!(await findContact(trx, contactId))) throw new AppError('not_found', 'Contact not found');
    let values: Record<string, CustomFieldValue | null> = {};
    if (edit.customFields !== undefined) {
      values = await validateCustomFieldValues(trx, edit.customFields);
      await writeCustomFieldValues(trx, contactId, values);
    }
    if (edit.stageId !== undefined) await moveContact(trx, contactId, edit.stageId, actor.userId);
    if (edit.ownerUserId !== undefined) await setOwner(trx, contactId, edit.ownerUserId, actor.userId);
    await auditChange(trx, tenantId, actor, 'contact.lead_updated', {
      contactId,
      customFields: Object.keys(values),
      ...(edit.stageId !== undefined ? { stageId: edit.stageId } : {}),
      ...(edit.ownerUserId !== undefined ? { ownerUserId: edit.ownerUserId } : {}),
    });
    await publishInboxEvent(trx, { type: 'contact.updated', contactId });
  });
}

export function contactConsent(db: Db, tenantId: string, contactId: string) {
  return withTenant(db, tenantId, async (trx) => {
    if (!(await findContact(trx, contactId))) throw new AppError('not_found', 'Contact not found');
    return { current: await currentConsent(trx, contactId), history: await consentHistory(trx, contactId) };
  });
}

/**
 * Consent recorded by a member (source `operator`) or an integration (`api`): an opt-out always; an
 * opt-in never over the customer's opt-out (409: only the customer opts in again).
 */
export async function recordConsentBy(
  db: Db,
  tenantId: string,
  actor: Actor,
  contactId: string,
  input: {
    channel: ConsentChannel;
    state: ConsentState;
    shownText: string | null;
    evidence: Record<string, unknown>;
  },
) {
  return withTenant(db, tenantId, async (trx) => {
    if (!(await findContact(trx, contactId))) throw new AppError('not_found', 'Contact not found');
    const outcome = await recordConsent(trx, {
      contactId,
      ...input,
      source: actor.userId ? 'operator' : 'api',
      actorUserId: actor.userId,
      evidence: { ...input.evidence, ...(actor.apiKeyId ? { apiKeyId: actor.apiKeyId } : {}) },
    });
    if (!outcome.recorded) {
      throw new AppError(
        'conflict',
        'The customer opted out on this channel; only they can opt in again (for example by replying START)',
      );
    }
    await auditChange(trx, tenantId, actor, 'contact.consent_recorded', {
      contactId,
      channel: input.channel,
      state: input.state,
    });
    return outcome.entry;
  });
}

export function contactCurrentConsent(db: Db, tenantId: string, contactId: string) {
  return withTenant(db, tenantId, (trx) => currentConsent(trx, contactId));
}
