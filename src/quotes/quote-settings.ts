import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { sampleTemplateFields } from '../contacts/custom-fields/custom-fields.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { isKnownCurrency } from './money.js';
import type { QuoteSettingsRow } from './quotes.table.js';
import type { TemplateLocale } from './templates/default-templates.js';
import { validateTemplate } from './templates/quote-templates.js';

/** A workspace's quoting settings; a workspace that never saved any has the defaults below. */
export interface QuoteSettings {
  currency: string;
  locale: TemplateLocale;
  approvalMode: 'always' | 'auto_below';
  /** With `auto_below`: quotes whose total is below this (minor units) and with no manual price change. */
  autoApproveBelowMinor: number | null;
  drafterCannotApprove: boolean;
  reminderAfterMinutes: number;
  validityDays: number;
  messageTemplate: string | null;
  documentTemplate: string | null;
  /** The approved WhatsApp template used outside the customer's 24-hour window (ADR 0028). */
  whatsappTemplateName: string | null;
  whatsappTemplateLanguage: string | null;
  hasLogo: boolean;
}

export type QuoteSettingsChanges = Partial<Omit<QuoteSettings, 'hasLogo'>>;

const DEFAULTS: QuoteSettings = {
  currency: 'EUR',
  locale: 'en',
  approvalMode: 'always',
  autoApproveBelowMinor: null,
  drafterCannotApprove: false,
  reminderAfterMinutes: 60,
  validityDays: 30,
  messageTemplate: null,
  documentTemplate: null,
  whatsappTemplateName: null,
  whatsappTemplateLanguage: null,
  hasLogo: false,
};

function fromRow(row: QuoteSettingsRow | undefined): QuoteSettings {
  if (!row) return DEFAULTS;
  return {
    currency: row.currency,
    locale: row.locale as TemplateLocale,
    approvalMode: row.approvalMode,
    autoApproveBelowMinor: row.autoApproveBelowMinor === null ? null : Number(row.autoApproveBelowMinor),
    drafterCannotApprove: row.drafterCannotApprove,
    reminderAfterMinutes: row.reminderAfterMinutes,
    validityDays: row.validityDays,
    messageTemplate: row.messageTemplate,
    documentTemplate: row.documentTemplate,
    whatsappTemplateName: row.whatsappTemplateName,
    whatsappTemplateLanguage: row.whatsappTemplateLanguage,
    hasLogo: row.logo !== null,
  };
}

export async function readQuoteSettings(trx: TenantTransaction): Promise<QuoteSettings> {
  return fromRow(await trx.selectFrom('quoteSettings').selectAll().executeTakeFirst());
}

export async function readLogo(trx: TenantTransaction): Promise<{ data: Buffer; type: string } | null> {
  const row = await trx.selectFrom('quoteSettings').select(['logo', 'logoType']).executeTakeFirst();
  return row?.logo && row.logoType ? { data: row.logo, type: row.logoType } : null;
}

export async function getQuoteSettings(db: Db, tenantId: string): Promise<QuoteSettings> {
  return withTenant(db, tenantId, readQuoteSettings);
}

/** Saves settings; templates are parsed and rendered with sample data first, so a broken one never lands. */
export async function changeQuoteSettings(
  db: Db,
  tenantId: string,
  actor: Actor,
  changes: QuoteSettingsChanges,
): Promise<QuoteSettings> {
  if (changes.currency !== undefined && !isKnownCurrency(changes.currency)) {
    throw new AppError('validation_failed', 'Unknown ISO 4217 currency', {
      details: [{ path: 'body.currency', message: 'not an ISO 4217 currency code' }],
    });
  }
  return withTenant(db, tenantId, async (trx) => {
    // Templates may read the workspace's custom fields (contact.fields.<key>): checked with samples.
    const fields = changes.messageTemplate || changes.documentTemplate ? await sampleTemplateFields(trx) : {};
    if (changes.messageTemplate) await validateTemplate('message', changes.messageTemplate, fields);
    if (changes.documentTemplate) await validateTemplate('document', changes.documentTemplate, fields);
    const merged = { ...(await readQuoteSettings(trx)), ...changes };
    if (merged.approvalMode === 'auto_below' && merged.autoApproveBelowMinor === null) {
      throw new AppError('validation_failed', 'Automatic approval needs a total below which it applies', {
        details: [{ path: 'body.autoApproveBelowMinor', message: 'required with approvalMode auto_below' }],
      });
    }
    const { hasLogo: _hasLogo, ...values } = merged;
    await trx
      .insertInto('quoteSettings')
      .values(values)
      .onConflict((oc) => oc.column('tenantId').doUpdateSet((eb) => ({ ...values, updatedAt: eb.fn('now') })))
      .execute();
    await auditChange(trx, tenantId, actor, 'quote_settings.updated', { fields: Object.keys(changes) });
    return readQuoteSettings(trx);
  });
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
export const MAX_LOGO_BYTES = 262_144;

/** The logo printed on quote documents: PNG or JPEG, checked by its bytes (never by a claimed type). */
export async function changeLogo(db: Db, tenantId: string, actor: Actor, data: Buffer | null): Promise<void> {
  let type: 'image/png' | 'image/jpeg' | null = null;
  if (data) {
    if (data.length > MAX_LOGO_BYTES)
      throw new AppError('payload_too_large', 'The logo is larger than 256 KiB');
    if (data.subarray(0, 8).equals(PNG)) type = 'image/png';
    else if (data.subarray(0, 3).equals(JPEG)) type = 'image/jpeg';
    else throw new AppError('unsupported_media_type', 'The logo must be a PNG or JPEG image');
  }
  await withTenant(db, tenantId, async (trx) => {
    await trx
      .insertInto('quoteSettings')
      .values({ logo: data, logoType: type })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ logo: data, logoType: type }))
      .execute();
    await auditChange(
      trx,
      tenantId,
      actor,
      data ? 'quote_settings.logo_set' : 'quote_settings.logo_removed',
      {},
    );
  });
}
