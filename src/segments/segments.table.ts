import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../platform/db/json.js';
import type { SegmentFilter } from './audience.js';

export interface SegmentsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  /** Unique per workspace, case-insensitively. */
  name: string;
  /** Checked by `segmentFilterSchema` on every write and read. */
  filter: JsonColumn<SegmentFilter>;
  createdByUserId: string | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type Segment = Selectable<SegmentsTable>;
