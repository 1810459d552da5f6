import type { Db } from '../../platform/db/database.js';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.js';
import type { Logger } from '../../platform/logging/logger.js';
import { storeTenantDeliveries, type VerifiedDelivery } from './ingest.repository.js';

interface Pending {
  tenantId: string;
  delivery: VerifiedDelivery;
  resolve(): void;
  reject(error: unknown): void;
}

export interface IngestBatcherOptions {
  /**
   * How long the first request of a batch waits for others. 0: only until the requests already read in
   * this turn of the event loop have joined (setImmediate); batches then grow from the commits in flight.
   */
  windowMs: number;
  maxBatch: number;
  /**
   * Batches committing at once (a batch of several tenants runs one statement per tenant, concurrently).
   * While that many are in flight, new requests gather into the next batch (classic group commit): under
   * load batches grow instead of transactions multiplying.
   */
  maxInFlight?: number;
  /** Told the size of each committed statement (one tenant's share of a batch). */
  onBatch?: (size: number) => void;
}

/**
 * Group commit for webhooks: verified deliveries arriving within a couple of milliseconds share one
 * statement per tenant (one round trip, its own transaction, one NOTIFY), and each caller's promise
 * settles only after its tenant's statement committed. A failed group is retried one delivery at a time,
 * so one poisoned request cannot fail its neighbours; what still fails rejects its own caller only (who
 * answers 503, and Meta retries).
 */
export class IngestBatcher {
  private pending: Pending[] = [];
  private scheduled: { cancel(): void } | undefined;
  private inFlight = 0;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly options: IngestBatcherOptions,
  ) {}

  submit(tenantId: string, delivery: VerifiedDelivery): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ tenantId, delivery, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) this.flush();
      else this.scheduled ??= this.scheduleFlush();
    });
  }

  private scheduleFlush(): { cancel(): void } {
    if (this.options.windowMs === 0) {
      const immediate = setImmediate(() => this.flush());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(() => this.flush(), this.options.windowMs);
    return { cancel: () => clearTimeout(timer) };
  }

  private flush(): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
    // Full: the batch keeps growing and goes as soon as one in flight has committed.
    if (this.inFlight >= (this.options.maxInFlight ?? 2)) return;
    const batch = this.pending.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    this.inFlight++;
    void this.commitBatch(batch).finally(() => {
      this.inFlight--;
      if (this.pending.length > 0) this.flush();
    });
  }

  /** Each tenant's share of the batch is its own statement and commits (or fails) on its own. */
  private async commitBatch(batch: Pending[]): Promise<void> {
    const byTenant = new Map<string, Pending[]>();
    for (const item of batch) {
      const group = byTenant.get(item.tenantId);
      if (group) group.push(item);
      else byTenant.set(item.tenantId, [item]);
    }
    await Promise.all([...byTenant].map(([tenantId, group]) => this.commitGroup(tenantId, group)));
  }

  private async commitGroup(tenantId: string, group: Pending[]): Promise<void> {
    try {
      await storeTenantDeliveries(
        this.db,
        tenantId,
        group.map((item) => item.delivery),
      );
      this.options.onBatch?.(group.length);
      for (const item of group) item.resolve();
    } catch (error) {
      // Alone, or the database is gone (one by one would only fail slower): each caller answers 503.
      if (group.length === 1 || isDatabaseUnavailable(error)) {
        for (const item of group) item.reject(error);
        return;
      }
      this.logger.warn({ err: error, size: group.length }, 'webhook batch failed; committing one by one');
      await Promise.all(group.map((item) => this.commitGroup(tenantId, [item])));
    }
  }
}
