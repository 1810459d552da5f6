import type { Language } from '../conversations/conversations.table.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { ProfileField } from './qualifier-settings.table.js';

export type PromptOverrides = Partial<Record<Language, Record<string, string>>>;

export interface QualifierSettingsValues {
  defaultLanguage: Language;
  requiredFields: ProfileField[];
  prompts: PromptOverrides;
  /** End with a summary the customer confirms (marks the profile confirmed; storing never waits for it). */
  confirmProfile: boolean;
}

/** What a tenant without a row gets: the migration's column defaults, so both places agree. */
export function defaultQualifierSettings(): QualifierSettingsValues {
  return {
    defaultLanguage: 'en',
    requiredFields: ['first_name', 'last_name', 'company', 'email'],
    prompts: {},
    confirmProfile: false,
  };
}

/** The tenant's settings, or the defaults while it has never saved any. */
export async function findQualifierSettings(
  trx: TenantTransaction,
): Promise<QualifierSettingsValues & { updatedAt: Date | null }> {
  const row = await trx
    .selectFrom('qualifierSettings')
    .select(['defaultLanguage', 'requiredFields', 'prompts', 'confirmProfile', 'updatedAt'])
    .executeTakeFirst();
  if (!row) return { ...defaultQualifierSettings(), updatedAt: null };
  return row;
}

/** Locks the tenant's row (when there is one) so two concurrent saves audit what each really replaced. */
export async function lockQualifierSettings(trx: TenantTransaction): Promise<void> {
  await trx.selectFrom('qualifierSettings').select('tenantId').forUpdate().execute();
}

/** Inserts or replaces the tenant's one row (the tenant id comes from the transaction's context). */
export async function saveQualifierSettings(
  trx: TenantTransaction,
  values: QualifierSettingsValues,
): Promise<QualifierSettingsValues & { updatedAt: Date }> {
  const columns = {
    defaultLanguage: values.defaultLanguage,
    requiredFields: values.requiredFields,
    prompts: JSON.stringify(values.prompts),
    confirmProfile: values.confirmProfile,
  };
  return trx
    .insertInto('qualifierSettings')
    .values(columns)
    .onConflict((oc) => oc.column('tenantId').doUpdateSet((eb) => ({ ...columns, updatedAt: eb.fn('now') })))
    .returning(['defaultLanguage', 'requiredFields', 'prompts', 'confirmProfile', 'updatedAt'])
    .executeTakeFirstOrThrow();
}
