import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/tenant-context.js';
import { findWebhookChannel } from './channels.repository.js';
import { channelSecretBox } from './channels.service.js';

export interface WebhookChannel {
  id: string;
  tenantId: string;
  phoneNumberId: string;
  /** The app secret, plus the previous one while its rotation grace lasts. Opened, in memory only. */
  appSecrets: string[];
  verifyTokenHash: Buffer;
}

interface Loaded {
  channel: Omit<WebhookChannel, 'appSecrets'>;
  appSecret: string;
  previous: { appSecret: string; expiresAt: number } | undefined;
}

const TTL_MS = 2_000;

/**
 * Resolves a webhook's channel without a query and a decryption per request: entries live two seconds,
 * so a disabled channel or a new secret takes effect within that time in every process. Unknown ids are
 * cached too, so random ids cannot turn into a query each.
 */
export class WebhookChannels {
  // Promises, so concurrent requests for an expired entry share one query.
  private readonly entries = new Map<string, { expiresAt: number; loaded: Promise<Loaded | undefined> }>();

  constructor(
    private readonly db: Db,
    private readonly config: Config,
  ) {}

  async find(channelId: string): Promise<WebhookChannel | undefined> {
    if (!isUuid(channelId)) return undefined;
    const now = Date.now();
    let entry = this.entries.get(channelId);
    if (!entry || entry.expiresAt <= now) {
      const loading = this.load(channelId);
      entry = { expiresAt: now + TTL_MS, loaded: loading };
      if (this.entries.size > 10_000) this.entries.clear();
      this.entries.set(channelId, entry);
      // A failed load (database unavailable) is not remembered: the next request tries again.
      loading.catch(() => {
        if (this.entries.get(channelId)?.loaded === loading) this.entries.delete(channelId);
      });
    }
    const loaded = await entry.loaded;
    if (!loaded) return undefined;
    // The grace period is checked per request, not per load: it ends on time even for a cached entry.
    const appSecrets =
      loaded.previous && loaded.previous.expiresAt > now
        ? [loaded.appSecret, loaded.previous.appSecret]
        : [loaded.appSecret];
    return { ...loaded.channel, appSecrets };
  }

  /** Drops a channel's entry at once (it was changed through this process); other processes wait the TTL. */
  invalidate(channelId: string): void {
    this.entries.delete(channelId);
  }

  private async load(channelId: string): Promise<Loaded | undefined> {
    const row = await findWebhookChannel(this.db, channelId);
    if (!row || row.disabledAt) return undefined;
    const box = channelSecretBox(this.config);
    const previous =
      row.previousAppSecretSealed && row.previousAppSecretExpiresAt
        ? {
            appSecret: box.open(row.previousAppSecretSealed),
            expiresAt: row.previousAppSecretExpiresAt.getTime(),
          }
        : undefined;
    return {
      channel: {
        id: channelId,
        tenantId: row.tenantId,
        phoneNumberId: row.phoneNumberId,
        verifyTokenHash: row.verifyTokenHash,
      },
      appSecret: box.open(row.appSecretSealed),
      previous,
    };
  }
}
