import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { LocalMasterKeyRing, type MasterKeyRing } from './master-key-ring.js';

/** One workspace's unwrapped data keys, as loaded at one moment. */
export interface WorkspaceKeys {
  readonly tenantId: string;
  /** The version new values are sealed with; undefined until the workspace's first key is made. */
  readonly current: number | undefined;
  readonly keys: ReadonlyMap<number, Buffer>;
  readonly loadedAt: number;
}

export interface DataKeyOptions {
  /** Workspaces whose keys stay in memory; the least recently used one leaves first. */
  readonly maxWorkspaces?: number;
  /**
   * How long loaded keys are used before they are read again: a rotation made by another process is
   * seen within this time (until then that process seals with the previous version, which still opens).
   */
  readonly ttlMs?: number;
}

type Executor = Kysely<Database>;

/**
 * The per-workspace data keys (AES-256-GCM, random 256-bit) in `workspace_data_keys`, wrapped by the
 * master key ring, with a bounded in-memory cache of unwrapped keys. Queries name the tenant explicitly, so
 * they run in a tenant transaction (row-level security) or an owner one alike.
 */
export class DataKeys {
  private readonly cache = new Map<string, WorkspaceKeys>();
  private readonly maxWorkspaces: number;
  readonly ttlMs: number;

  constructor(
    readonly ring: MasterKeyRing,
    options: DataKeyOptions = {},
  ) {
    this.maxWorkspaces = options.maxWorkspaces ?? 1_000;
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  /** The cached keys if still fresh; no query. */
  cached(tenantId: string): WorkspaceKeys | undefined {
    const found = this.cache.get(tenantId);
    if (!found) return undefined;
    if (Date.now() - found.loadedAt > this.ttlMs) {
      this.cache.delete(tenantId);
      return undefined;
    }
    // Least recently used order: a hit moves to the end.
    this.cache.delete(tenantId);
    this.cache.set(tenantId, found);
    return found;
  }

  get size(): number {
    return this.cache.size;
  }

  async load(executor: Executor, tenantId: string): Promise<WorkspaceKeys> {
    const { rows } = await sql<{ version: number; wrappedKey: string }>`
      select version, wrapped_key from workspace_data_keys where tenant_id = ${tenantId}::uuid order by version`.execute(
      executor,
    );
    const keys = new Map<number, Buffer>();
    for (const row of rows) {
      keys.set(row.version, await this.ring.unwrap(row.wrappedKey, { tenantId, version: row.version }));
    }
    const loaded: WorkspaceKeys = { tenantId, current: rows.at(-1)?.version, keys, loadedAt: Date.now() };
    this.remember(loaded);
    return loaded;
  }

  /** The keys with a current version, making the workspace's first key if it has none. */
  async ensureCurrent(executor: Executor, tenantId: string): Promise<WorkspaceKeys & { current: number }> {
    let loaded = this.cached(tenantId);
    if (loaded?.current === undefined) loaded = await this.load(executor, tenantId);
    if (loaded.current === undefined) {
      await this.insert(executor, tenantId, 1);
      loaded = await this.load(executor, tenantId);
    }
    return loaded as WorkspaceKeys & { current: number };
  }

  /** A new data-key version for new writes; earlier versions keep opening what they sealed. */
  async rotate(executor: Executor, tenantId: string): Promise<number> {
    const { rows } = await sql<{ next: number }>`
      select coalesce(max(version), 0) + 1 as next from workspace_data_keys where tenant_id = ${tenantId}::uuid`.execute(
      executor,
    );
    const version = rows[0]?.next ?? 1;
    await this.insert(executor, tenantId, version);
    this.cache.delete(tenantId);
    return version;
  }

  /** Destroys versions older than `keep`: whatever is still sealed under them can never be read again. */
  async retireBelow(executor: Executor, tenantId: string, keep: number): Promise<number[]> {
    const { rows } = await sql<{ version: number }>`
      delete from workspace_data_keys where tenant_id = ${tenantId}::uuid and version < ${keep}
      returning version`.execute(executor);
    this.cache.delete(tenantId);
    return rows.map((row) => row.version).sort((a, b) => a - b);
  }

  /** Wraps again, under the current master key, every wrap of the workspace made under a retired one. */
  async rewrapStale(executor: Executor, tenantId: string): Promise<number> {
    const { rows } = await sql<{ version: number; wrappedKey: string }>`
      select version, wrapped_key from workspace_data_keys where tenant_id = ${tenantId}::uuid`.execute(
      executor,
    );
    let rewrapped = 0;
    for (const row of rows) {
      if (!this.ring.isStale(row.wrappedKey)) continue;
      const context = { tenantId, version: row.version };
      const wrapped = await this.ring.wrap(await this.ring.unwrap(row.wrappedKey, context), context);
      await sql`update workspace_data_keys set wrapped_key = ${wrapped}
        where tenant_id = ${tenantId}::uuid and version = ${row.version}`.execute(executor);
      rewrapped += 1;
    }
    return rewrapped;
  }

  /** Drops the workspace's keys from this process's memory (after its deletion, or to see a rotation now). */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async insert(executor: Executor, tenantId: string, version: number): Promise<void> {
    const wrapped = await this.ring.wrap(randomBytes(32), { tenantId, version });
    await sql`insert into workspace_data_keys (tenant_id, version, wrapped_key)
      values (${tenantId}::uuid, ${version}, ${wrapped}) on conflict do nothing`.execute(executor);
  }

  private remember(loaded: WorkspaceKeys): void {
    this.cache.delete(loaded.tenantId);
    this.cache.set(loaded.tenantId, loaded);
    while (this.cache.size > this.maxWorkspaces) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}

let configured: DataKeys | undefined;

/** Set once per process at start (server, worker, CLI) from the configuration's master key ring. */
export function configureDataKeys(ring: MasterKeyRing, options?: DataKeyOptions): DataKeys {
  configured = new DataKeys(ring, options);
  return configured;
}

export function dataKeys(): DataKeys {
  if (!configured) throw new Error('encryption at rest is not configured (configureDataKeys)');
  return configured;
}

/** The process's data keys under the local master key ring of SECRET_KEY (and SECRET_KEY_PREVIOUS). */
export function configureDataKeysFrom(config: {
  readonly secretKey: string;
  readonly previousSecretKeys: readonly string[];
}): DataKeys {
  return configureDataKeys(new LocalMasterKeyRing(config.secretKey, config.previousSecretKeys));
}
