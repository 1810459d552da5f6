import type { Generated, Selectable } from 'kysely';
import type { Language } from '../conversations/conversations.table.js';
import type { JsonColumn } from '../platform/db/json.js';

export type ProfileField = 'first_name' | 'last_name' | 'company' | 'email';

export interface QualifierSettingsTable {
  tenantId: Generated<string>;
  defaultLanguage: Generated<Language>;
  requiredFields: Generated<ProfileField[]>;
  /** Per-language overrides of the qualifier's prompts, by prompt id. */
  prompts: JsonColumn<Partial<Record<Language, Record<string, string>>>>;
  /** Whether the qualifier ends with a summary the customer confirms (values are stored before either way). */
  confirmProfile: Generated<boolean>;
  updatedAt: Generated<Date>;
}

export type QualifierSettings = Selectable<QualifierSettingsTable>;
