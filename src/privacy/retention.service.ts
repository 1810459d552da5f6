import { setTimeout } from 'node:timers/promises';
import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { InTenant, TenantTransaction } from '../platform/db/tenant-context.js';
import { type RetentionKind, type RetentionRule, retentionRules } from './registry.js';
import { retentionPolicy } from './retention.repository.js';

export interface RetentionRun {
  /** Rows removed (or audit entries pseudonymised) per policy, and blobs deleted. */
  readonly removed: Partial<Record<RetentionKind | 'blobs', number>>;
}

export interface RetentionOptions {
  blobs: BlobStore;
  now?: Date;
  /** Rows per transaction: small, so no lock is held long and the webhook path keeps its pace. */
  batchSize?: number;
  /**
   * The share of wall time the removal may spend working (0 < share <= 1): after each batch it rests for
   * as long as the share requires, so a large backlog of expired rows never crowds out the webhook path
   * (measured by bench:retention). 1 removes as fast as the database allows.
   */
  workShare?: number;
  /** Called after each batch (metrics). */
  onRemoved?: (kind: RetentionKind | 'blobs', count: number) => void;
}

const DAY_MS = 86_400_000;

/**
 * Applies a workspace's retention policy: each registered retention rule removes rows older than its policy's
 * days in batches of `batchSize`, each batch its own short transaction (ctid batches: no long scans under a
 * lock, no row locked for more than one batch). Blobs the removed rows led to are deleted after the batch
 * commits when no row needs them any more (a crash in between leaves an unreachable blob, never a row
 * pointing at nothing). Audit entries older than their policy lose IP and user agent. Audited.
 */
export async function applyRetention(
  inTenant: InTenant,
  tenantId: string,
  options: RetentionOptions,
): Promise<RetentionRun> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 2000;
  const pace = pacer(options.workShare ?? 1);
  const policy = await inTenant(retentionPolicy);
  const removed: Record<string, number> = {};
  const count = (kind: RetentionKind | 'blobs', n: number) => {
    if (n === 0) return;
    removed[kind] = (removed[kind] ?? 0) + n;
    options.onRemoved?.(kind, n);
  };

  for (const rule of retentionRules) {
    let days = policy.days[rule.policy];
    // Media goes no later than its message.
    if (rule.policy === 'media' && policy.days.messages !== null) {
      days = Math.min(days ?? Number.POSITIVE_INFINITY, policy.days.messages);
    }
    if (days === null || !Number.isFinite(days)) continue;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    for (;;) {
      const batch = await pace(() => inTenant((trx) => removeBatch(trx, rule, cutoff, batchSize)));
      count(rule.policy, batch.rows);
      if (batch.blobKeys.length > 0)
        count('blobs', await deleteUnreferenced(inTenant, options.blobs, batch.blobKeys));
      if (batch.rows < batchSize) break;
    }
  }

  const auditDays = policy.days.auditPseudonymise;
  if (auditDays !== null) {
    const before = new Date(now.getTime() - auditDays * DAY_MS);
    for (;;) {
      const n = await pace(() =>
        inTenant(async (trx) => {
          const { rows } = await sql<{ n: number }>`
          select audit_log_pseudonymise(${before}, ${batchSize}) as n`.execute(trx);
          return rows[0]?.n ?? 0;
        }),
      );
      count('auditPseudonymise', n);
      if (n < batchSize) break;
    }
  }

  await inTenant((trx) => recordRetentionRun(trx, now, removed));
  if (Object.keys(removed).length > 0) {
    await inTenant((trx) =>
      recordAudit(trx, { action: 'privacy.retention_applied', tenantId, context: null, detail: { removed } }),
    );
  }
  return { removed };
}

/** Runs each unit of work, then rests so that work takes at most `workShare` of the elapsed time. */
function pacer(workShare: number) {
  const share = Math.min(1, Math.max(0.01, workShare));
  return async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    const restMs = ((performance.now() - started) * (1 - share)) / share;
    if (restMs >= 1) await setTimeout(restMs);
    return result;
  };
}

async function removeBatch(trx: TenantTransaction, rule: RetentionRule, cutoff: Date, limit: number) {
  const table = sql.table(rule.table);
  const only = rule.only ?? sql`true`;
  const { rows } = await sql<{ ctid: string; key: string }>`
    select ctid::text as ctid, ${sql.ref(rule.key)}::text as key from ${table}
    where ${rule.age} < ${cutoff} and ${only}
    limit ${limit}`.execute(trx);
  if (rows.length === 0) return { rows: 0, blobKeys: [] as string[] };
  let blobKeys: string[] = [];
  if (rule.blobs) {
    const keys = rows.map((row) => row.key);
    const found = await sql<{ key: string }>`
      select distinct b.k as key from (${rule.blobs(keys)}) b(k)`.execute(trx);
    blobKeys = found.rows.map((row) => row.key);
  }
  const result = await sql`
    delete from ${table} where ctid = any(${rows.map((row) => row.ctid)}::tid[])`.execute(trx);
  return { rows: Number(result.numAffectedRows ?? 0n), blobKeys };
}

async function deleteUnreferenced(inTenant: InTenant, blobs: BlobStore, keys: readonly string[]) {
  const unused = await inTenant(async (trx) => {
    const { rows } = await sql<{ key: string }>`
      select k as key from unnest(${keys}::text[]) k
      where not exists (select 1 from message_media where blob_key = k)
        and not exists (select 1 from conversation_attachments where blob_key = k)`.execute(trx);
    return rows.map((row) => row.key);
  });
  for (const key of unused) await blobs.delete(key);
  return unused.length;
}

/** Keeps the last run and its counts (no personal data) for the privacy page. */
async function recordRetentionRun(trx: TenantTransaction, ranAt: Date, removed: Record<string, number>) {
  const values = { ranAt, removed: JSON.stringify(removed) };
  await trx
    .insertInto('retentionRuns')
    .values(values)
    .onConflict((oc) => oc.column('tenantId').doUpdateSet(values))
    .execute();
}

/** The workspace's last retention run, or null before the first. */
export async function lastRetentionRun(
  trx: TenantTransaction,
): Promise<{ ranAt: Date; removed: Record<string, number> } | null> {
  const row = await trx.selectFrom('retentionRuns').select(['ranAt', 'removed']).executeTakeFirst();
  return row ?? null;
}
