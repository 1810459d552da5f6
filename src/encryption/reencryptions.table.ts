import type { ColumnType } from 'kysely';

/** The latest re-encryption pass of a workspace (one row each): the progress shown in Settings. */
export interface DataKeyReencryptionsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  targetVersion: number;
  requestedByUserId: string | null;
  state: ColumnType<'running' | 'waiting' | 'done', 'running' | 'waiting' | 'done' | undefined>;
  /** Where the pass stands: a column (`table.column`) or `blobs`, `start` before the first batch. */
  position: ColumnType<string, string | undefined>;
  rowsRewritten: ColumnType<string, string | number | undefined>;
  blobsRewritten: ColumnType<string, string | number | undefined>;
  retiredVersions: ColumnType<number[], number[] | undefined>;
  startedAt: ColumnType<Date, Date | undefined>;
  updatedAt: ColumnType<Date, Date | undefined>;
  finishedAt: Date | null;
}
