import type { ColumnType } from 'kysely';

/**
 * A jsonb column: read as `T`, written as a JSON string (pg would turn a JS array into a PostgreSQL array,
 * so values are always serialised by the caller with JSON.stringify).
 */
export type JsonColumn<T, Update = string> = ColumnType<
  T,
  string | (null extends T ? null : never) | undefined,
  Update
>;
