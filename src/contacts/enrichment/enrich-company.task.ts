import { defineTask } from '../../platform/jobs/task.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import { spendEnrichmentCall } from './enrichment.service.js';
import { enrichCompanyTask } from './enrichment-task-ref.js';
import { emailDomain, isFreeMailDomain } from './free-mail.js';
import { HUNTER_PROVIDER, type HunterClient } from './hunter.client.js';

/**
 * Looks up a contact's company from their e-mail domain. Skipped (no call, nothing counted) when the
 * workspace has enrichment off, the contact has no e-mail or a free-mail one, or the domain was already
 * looked up for them; refused when the month's budget is spent. A found company name fills the contact's
 * company only when it is empty; every field is kept with its provenance (provider, domain, time).
 */
export function createEnrichCompanyTask(deps: { hunter: HunterClient | undefined }) {
  return defineTask({
    ...enrichCompanyTask,
    async handle({ contactId }, ctx) {
      const hunter = deps.hunter;
      if (!hunter) return;
      const domain = await ctx.withTenant(async (trx) => {
        const settings = await trx.selectFrom('enrichmentSettings').select('enabled').executeTakeFirst();
        if (!settings?.enabled) return undefined;
        const contact = await trx
          .selectFrom('contacts')
          .select('email')
          .where('id', '=', contactId)
          .executeTakeFirst();
        const found = contact?.email ? emailDomain(contact.email) : undefined;
        if (!found || isFreeMailDomain(found)) return undefined;
        const previous = await trx
          .selectFrom('contactEnrichments')
          .select('domain')
          .where('contactId', '=', contactId)
          .executeTakeFirst();
        if (previous?.domain === found) return undefined;
        if (!(await spendEnrichmentCall(trx))) {
          ctx.logger.info({ contactId }, 'enrichment skipped: monthly budget spent');
          return undefined;
        }
        return found;
      });
      if (!domain) return;
      const company = await hunter.findCompany(domain);
      await ctx.withTenant(async (trx) => {
        const exists = await trx
          .selectFrom('contacts')
          .select('company')
          .where('id', '=', contactId)
          .executeTakeFirst();
        if (!exists) return;
        const fields = company
          ? Object.fromEntries(Object.entries(company).filter(([, v]) => v !== null))
          : {};
        await trx
          .insertInto('contactEnrichments')
          .values({
            contactId,
            provider: HUNTER_PROVIDER,
            domain,
            status: company ? 'found' : 'not_found',
            fields: JSON.stringify(fields),
          })
          .onConflict((oc) =>
            oc.columns(['tenantId', 'contactId']).doUpdateSet({
              provider: HUNTER_PROVIDER,
              domain,
              status: company ? 'found' : 'not_found',
              fields: JSON.stringify(fields),
              fetchedAt: new Date(),
            }),
          )
          .execute();
        if (company?.name && !exists.company) {
          await trx
            .updateTable('contacts')
            .set({ company: company.name.slice(0, 200), updatedAt: new Date() })
            .where('id', '=', contactId)
            .execute();
        }
        await publishInboxEvent(trx, { type: 'contact.updated', contactId });
      });
    },
  });
}
