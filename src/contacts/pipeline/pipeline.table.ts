import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

export const STAGE_OUTCOMES = ['open', 'won', 'lost'] as const;
export type StageOutcome = (typeof STAGE_OUTCOMES)[number];
/** Events that move a contact automatically, each to at most one stage of the workspace. */
export const PIPELINE_EVENTS = ['qualified', 'quote_sent', 'quote_accepted'] as const;
export type PipelineEvent = (typeof PIPELINE_EVENTS)[number];

export interface PipelineStagesTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  position: number;
  outcome: Generated<StageOutcome>;
  autoEvent: PipelineEvent | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type PipelineStage = Selectable<PipelineStagesTable>;

export type ContactEventKind = 'stage_changed' | 'owner_changed';

export interface ContactEventsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  contactId: string;
  kind: ContactEventKind;
  detail: JsonColumn<Record<string, unknown>>;
  actorUserId: string | null;
  createdAt: Generated<Date>;
}
