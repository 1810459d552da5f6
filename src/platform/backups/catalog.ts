import pg from 'pg';

const { escapeIdentifier } = pg;

/** The schemas a backup holds: ours and graphile-worker's (jobs waiting to run are data too). */
export const BACKUP_SCHEMAS = ['public', 'graphile_worker'] as const;

export interface TableShape {
  /** schema.table */
  readonly name: string;
  /** Stored columns in order (generated columns are computed again on restore). */
  readonly columns: readonly string[];
  /** Columns to order rows by for a stable checksum: the primary key; empty: the whole row as text. */
  readonly orderBy: readonly { readonly column: string; readonly collatable: boolean }[];
}

export interface SequenceValue {
  readonly name: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/**
 * Fixed output settings for every backup and verify session: COPY's text output of dates, floats and
 * bytea depends on them, and checksums must not change with a server's defaults.
 */
export const STABLE_OUTPUT_SETTINGS = [
  "set local timezone = 'UTC'",
  "set local datestyle = 'ISO, YMD'",
  "set local intervalstyle = 'postgres'",
  'set local extra_float_digits = 3',
  "set local bytea_output = 'hex'",
  // Off: a role that row-level security would filter gets an error, never a silently partial table.
  'set local row_security = off',
];

export function qualified(name: string): string {
  const [schema, table] = name.split('.') as [string, string];
  return `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
}

/** Every base table of the backed-up schemas, parents before the tables whose foreign keys name them. */
export async function listTables(client: pg.Client): Promise<TableShape[]> {
  const { rows } = await client.query<{
    name: string;
    oid: number;
    columns: string[];
    pk: { column: string; collatable: boolean }[] | null;
    parents: string[];
  }>(
    `select n.nspname || '.' || c.relname as name, c.oid::int as oid,
       (select array_agg(a.attname::text order by a.attnum) from pg_attribute a
         where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = '') as columns,
       (select json_agg(json_build_object('column', a.attname, 'collatable', a.attcollation <> 0)
                        order by array_position(i.indkey::int[], a.attnum::int))
          from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
         where i.indrelid = c.oid and i.indisprimary) as pk,
       coalesce((select array_agg(distinct pn.nspname || '.' || pc.relname)
          from pg_constraint f join pg_class pc on pc.oid = f.confrelid join pg_namespace pn on pn.oid = pc.relnamespace
         where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid), '{}') as parents
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and c.relkind in ('r', 'p') and not c.relispartition
     order by 1`,
    [BACKUP_SCHEMAS],
  );
  const shapes = new Map(
    rows.map((row) => [
      row.name,
      {
        shape: {
          name: row.name,
          columns: row.columns,
          orderBy: row.pk ?? [],
        } satisfies TableShape,
        parents: row.parents,
      },
    ]),
  );
  // Depth-first topological order; a cycle (none today) falls back to name order for its members.
  const ordered: TableShape[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const entry = shapes.get(name);
    if (!entry || state.has(name)) return;
    state.set(name, 'visiting');
    for (const parent of entry.parents) visit(parent);
    state.set(name, 'done');
    ordered.push(entry.shape);
  };
  for (const name of shapes.keys()) visit(name);
  return ordered;
}

/** The statement whose COPY output is both what a backup stores and what its checksum covers. */
export function tableCopyQuery(table: TableShape): string {
  const columns = table.columns.map(escapeIdentifier).join(', ');
  // "C" collation: row order (hence the checksum) must not depend on the server's locale.
  // Without a primary key, the row's text (every type has one; json has no ordering operator).
  const order =
    table.orderBy.length > 0
      ? table.orderBy
          .map((o) => `${escapeIdentifier(o.column)}${o.collatable ? ' collate "C"' : ''}`)
          .join(', ')
      : `(${columns})::text collate "C"`;
  return `copy (select ${columns} from ${qualified(table.name)} order by ${order}) to stdout`;
}

export async function readSequences(client: pg.Client): Promise<SequenceValue[]> {
  const { rows } = await client.query<{ name: string }>(
    `select schemaname || '.' || sequencename as name from pg_sequences where schemaname = any($1) order by 1`,
    [BACKUP_SCHEMAS],
  );
  const values: SequenceValue[] = [];
  for (const { name } of rows) {
    const result = await client.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text, is_called from ${qualified(name)}`,
    );
    const row = result.rows[0] as { last_value: string; is_called: boolean };
    values.push({ name, lastValue: row.last_value, isCalled: row.is_called });
  }
  return values;
}

/** Tables and views of the backed-up schemas: none means an empty database to restore into. */
export async function countRelations(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    `select count(*)::int as count from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm')`,
    [BACKUP_SCHEMAS],
  );
  return rows[0]?.count ?? 0;
}
