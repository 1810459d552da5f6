import type { ColumnType, Generated, Selectable } from 'kysely';

export type ImportStatus =
  | 'uploaded'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'undoing'
  | 'undone';
export type DedupePolicy = 'skip' | 'fill' | 'overwrite';

type Json<T> = ColumnType<T, string, string>;
type Counter = ColumnType<string, number | undefined, number | string>;

export interface ContactImportsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  createdBy: string | null;
  fileName: string;
  /** sha256 keys (within the tenant's blob prefix) of the file's parts, in order. */
  blobParts: string[];
  sizeBytes: ColumnType<string, number, number>;
  encoding: string;
  delimiter: string;
  headers: Json<string[]>;
  /** Column index (as a string) -> target key. */
  mapping: Json<Record<string, string>> | null;
  policy: DedupePolicy | null;
  defaultCountry: string | null;
  status: Generated<ImportStatus>;
  cancelRequested: Generated<boolean>;
  error: string | null;
  linesDone: Counter;
  bytesDone: Counter;
  rowsRead: Counter;
  rowsCreated: Counter;
  rowsUpdated: Counter;
  rowsDuplicate: Counter;
  rowsUnchanged: Counter;
  rowsRejected: Counter;
  startedAt: Date | null;
  finishedAt: Date | null;
  undoneAt: Date | null;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type ContactImport = Selectable<ContactImportsTable>;

export interface ContactImportChangesTable {
  tenantId: Generated<string>;
  importId: string;
  contactId: string;
  created: boolean;
  before: Json<Record<string, string | null>> | null;
}

export interface ContactImportRejectsTable {
  tenantId: Generated<string>;
  importId: string;
  line: ColumnType<string, number, number>;
  reason: string;
  cells: string[];
}

export interface ContactImportMappingsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  mapping: Json<Record<string, string>>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface ContactImportSettingsTable {
  tenantId: Generated<string>;
  defaultCountry: string;
  updatedAt: Generated<Date>;
}
