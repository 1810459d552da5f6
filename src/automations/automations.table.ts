import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';
import type { ActionOutcome, AutomationAction, AutomationTrigger } from './rule-schema.js';

export interface AutomationRulesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  enabled: Generated<boolean>;
  trigger: JsonColumn<AutomationTrigger>;
  segmentId: string | null;
  actions: JsonColumn<AutomationAction[]>;
  dailyCap: Generated<number>;
  enabledAt: Date | null;
  nextRunAt: Date | null;
  createdByUserId: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type AutomationRule = Selectable<AutomationRulesTable>;

export type RunStatus = 'pending' | 'done' | 'skipped' | 'failed';

/** One rule acting on one contact in one window (unique): the rule's idempotency and its history. */
export interface AutomationRunsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  ruleId: string;
  contactId: string;
  windowKey: string;
  status: Generated<RunStatus>;
  skipReason: string | null;
  outcomes: JsonColumn<ActionOutcome[], string | undefined>;
  error: string | null;
  createdAt: Generated<Date>;
  finishedAt: Date | null;
}
export type AutomationRun = Selectable<AutomationRunsTable>;
