import type { Generated, Selectable } from 'kysely';

export interface CannedResponsesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  /** What follows `/` in the composer: `^[a-z0-9_-]{1,32}$`, unique per tenant. */
  shortcut: string;
  text: string;
  createdByUserId: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type CannedResponse = Selectable<CannedResponsesTable>;
