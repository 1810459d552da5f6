import type { Db } from '../../platform/db/database.js';
import { bindTenant } from '../../platform/db/tenant-context.js';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.js';
import type { Logger } from '../../platform/logging/logger.js';
import { storeDeliveries, type VerifiedDelivery } from './ingest.repository.js';

interface Pending {
  tenantId: string;
  delivery: VerifiedDelivery;
  resolve(): void;
  reject(error: unknown): void;
}

export interface IngestBatcherOptions {
  /** How long the first request of a batch waits for others (0: until the current tick ends). */
  windowMs: number;
  maxBatch: number;
  /**
   * Batches committing at once. While that many are in flight, new requests gather into the next batch
   * (classic group commit): under load batches grow instead of transactions multiplying.
   */
  maxInFlight?: number;
  onBatch?: (size: number) => void;
}

/**
 * Group commit for webhooks: verified deliveries arriving within a couple of milliseconds share one
 * transaction (and one NOTIFY), and each caller's promise settles only after that transaction committed.
 * A failed batch is retried one delivery at a time, so one poisoned request cannot fail its neighbours;
 * what still fails rejects its own caller only (who answers 503, and Meta retries).
 */
export class IngestBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
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
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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

  private async commitBatch(batch: Pending[]): Promise<void> {
    try {
      await this.commit(batch);
      this.options.onBatch?.(batch.length);
      for (const item of batch) item.resolve();
    } catch (error) {
      // Alone, or the database is gone (one by one would only fail slower): each caller answers 503.
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const item of batch) item.reject(error);
        return;
      }
      this.logger.warn({ err: error, size: batch.length }, 'webhook batch failed; committing one by one');
      await Promise.all(batch.map((item) => this.commitBatch([item])));
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const byTenant = new Map<string, VerifiedDelivery[]>();
    for (const { tenantId, delivery } of batch) {
      const list = byTenant.get(tenantId) ?? [];
      list.push(delivery);
      byTenant.set(tenantId, list);
    }
    await this.db.transaction().execute(async (trx) => {
      for (const [tenantId, deliveries] of byTenant) {
        await storeDeliveries(await bindTenant(trx, tenantId), deliveries);
      }
    });
  }
}
