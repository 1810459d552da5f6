import type { Generated, Selectable } from 'kysely';

export interface LabelsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  /** Unique per tenant, case-insensitively. */
  name: string;
  /** `#rrggbb`, lower case. */
  color: string;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Label = Selectable<LabelsTable>;

export interface ConversationLabelsTable {
  conversationId: string;
  labelId: string;
  tenantId: Generated<string>;
  createdAt: Generated<Date>;
}
