import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'select', 'boolean'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface CustomFieldDefinitionsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  /** Stable: values are stored under it in contacts.custom_fields and templates read it. */
  key: string;
  label: string;
  type: CustomFieldType;
  /** The choices of a `select` field; empty otherwise. */
  options: JsonColumn<string[]>;
  position: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type CustomFieldDefinition = Selectable<CustomFieldDefinitionsTable>;
