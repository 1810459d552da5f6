import { recordAudit } from '../audit/audit.repository.js';
import { recordConsent } from '../contacts/consent/consent.js';
import type { Contact } from '../contacts/contacts.table.js';
import {
  validateCustomFieldValues,
  writeCustomFieldValues,
} from '../contacts/custom-fields/custom-fields.js';
import { queueEnrichment } from '../contacts/enrichment/enrichment.service.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { defineTask } from '../platform/jobs/task.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { type TLeadPayload, ZLeadPayload } from './lead-payload.js';
import { processLeadTask } from './lead-task-refs.js';

/** The contact a lead is about: by phone number first, then by e-mail address. */
async function matchContact(trx: TenantTransaction, lead: TLeadPayload): Promise<Contact | undefined> {
  if (lead.phone) {
    const byPhone = await trx
      .selectFrom('contacts')
      .selectAll()
      .where('phoneE164', '=', lead.phone)
      .executeTakeFirst();
    if (byPhone) return byPhone;
  }
  if (lead.email) {
    return trx
      .selectFrom('contacts')
      .selectAll()
      .where('email', '=', lead.email)
      .orderBy('createdAt')
      .limit(1)
      .executeTakeFirst();
  }
  return undefined;
}

type Outcome =
  | { status: 'processed'; contactId: string; created: boolean }
  | { status: 'rejected'; error: string };

/**
 * Creates or completes the contact of one lead: a new contact gets source `api`; a known one keeps what
 * it has and gains only what it lacked (name, surname, company, e-mail). Custom fields are merged,
 * consent is appended to the ledger with the source's provenance (never over the customer's opt-out).
 */
async function applyLead(
  trx: TenantTransaction,
  delivery: { id: string; sourceId: string },
  lead: TLeadPayload,
): Promise<Outcome> {
  const customFields =
    lead.customFields === undefined
      ? {}
      : await validateCustomFieldValues(trx, lead.customFields, 'customFields').catch((error: unknown) => {
          if (error instanceof AppError) return error;
          throw error;
        });
  if (customFields instanceof AppError) return { status: 'rejected', error: 'custom fields no longer valid' };
  let contact = await matchContact(trx, lead);
  let created = false;
  if (!contact) {
    if (!lead.phone)
      return { status: 'rejected', error: 'no phone number, and no contact has this e-mail address' };
    contact = await trx
      .insertInto('contacts')
      .values({
        phoneE164: lead.phone,
        firstName: lead.name ?? null,
        lastName: lead.surname ?? null,
        company: lead.company ?? null,
        email: lead.email ?? null,
        source: 'api',
        customFields: '{}',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    created = true;
  } else {
    await trx
      .updateTable('contacts')
      .set((eb) => ({
        firstName: eb.fn.coalesce('firstName', eb.val(lead.name ?? null)),
        lastName: eb.fn.coalesce('lastName', eb.val(lead.surname ?? null)),
        company: eb.fn.coalesce('company', eb.val(lead.company ?? null)),
        email: eb.fn.coalesce('email', eb.val(lead.email ?? null)),
        updatedAt: new Date(),
      }))
      .where('id', '=', contact.id)
      .execute();
  }
  if (Object.keys(customFields).length > 0) await writeCustomFieldValues(trx, contact.id, customFields);
  for (const consent of lead.consent ?? []) {
    await recordConsent(trx, {
      contactId: contact.id,
      channel: consent.channel,
      state: consent.state,
      source: 'api',
      shownText: consent.shownText,
      evidence: {
        ...consent.evidence,
        leadSourceId: delivery.sourceId,
        leadDeliveryId: delivery.id,
        ...(lead.externalId ? { externalId: lead.externalId } : {}),
      },
      ...(consent.givenAt ? { recordedAt: new Date(consent.givenAt) } : {}),
    });
  }
  await publishInboxEvent(trx, { type: 'contact.updated', contactId: contact.id });
  return { status: 'processed', contactId: contact.id, created };
}

export const processLeadTaskDefinition = defineTask({
  ...processLeadTask,
  async handle({ deliveryId }, ctx) {
    await ctx.withTenant(async (trx) => {
      const delivery = await trx
        .selectFrom('leadDeliveries')
        .select(['id', 'sourceId', 'status', 'payload'])
        .where('id', '=', deliveryId)
        .forUpdate()
        .executeTakeFirst();
      // Processed already (a retry after a commit) or gone with its source: nothing to do.
      if (delivery?.status !== 'received') return;
      const parsed = ZLeadPayload.safeParse(delivery.payload);
      const result: Outcome = parsed.success
        ? await applyLead(trx, delivery, parsed.data)
        : { status: 'rejected', error: 'stored payload no longer valid' };
      await trx
        .updateTable('leadDeliveries')
        .set({
          status: result.status,
          contactId: result.status === 'processed' ? result.contactId : null,
          error: result.status === 'rejected' ? result.error : null,
          processedAt: new Date(),
        })
        .where('id', '=', deliveryId)
        .execute();
      if (result.status === 'processed' && parsed.data?.email) {
        await queueEnrichment(trx, result.contactId, ctx.requestId);
      }
      await recordAudit(trx, {
        action: result.status === 'processed' ? 'lead_source.lead_processed' : 'lead_source.lead_rejected',
        tenantId: ctx.tenantId,
        context: null,
        detail: {
          deliveryId,
          ...(result.status === 'processed'
            ? { contactId: result.contactId, created: result.created }
            : { reason: result.error }),
        },
      });
    });
  },
});
