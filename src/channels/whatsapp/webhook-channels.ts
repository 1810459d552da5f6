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
 * Ids that name no channel at all. A channel's id is a random UUID made when it is created, and creation
 * through this process forgets the id here at once (`invalidate`), so such an id can be remembered far
 * longer than a channel's state: repeated probes of one id cost one query a minute, not one per request.
 */
const UNKNOWN_TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  expiresAt: number;
  loaded: Promise<Loaded | undefined>;
  /** Set once the load found an enabled channel. */
  found: boolean;
}

/**
 * Resolves a webhook's channel without a query and a decryption per request: entries live two seconds,
 * so a disabled channel or a new secret takes effect within that time in every process. Ids of no channel
 * go to a bounded negative cache that lives a minute (see UNKNOWN_TTL_MS).
 */
export class WebhookChannels {
  // Promises, so concurrent requests for an expired entry share one query.
  private readonly entries = new Map<string, Entry>();
  /** Id -> until when it is known to name no channel. Oldest first (Map order), for eviction. */
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    /** How many unknown ids are remembered; the oldest is forgotten first. */
    private readonly maxUnknown = MAX_ENTRIES,
  ) {}

  /**
   * Whether the id has named an enabled channel in this process (no query, no await). The entry may be
   * stale; find() still decides. Meta's webhooks for real channels pass the unknown-id limit through this.
   */
  isKnown(channelId: string): boolean {
    return this.entries.get(channelId)?.found === true;
  }

  /** Whether find() answered for this id that no channel has it (not merely a disabled one). */
  isUnknown(channelId: string): boolean {
    return !isUuid(channelId) || (this.unknown.get(channelId) ?? 0) > Date.now();
  }

  async find(channelId: string): Promise<WebhookChannel | undefined> {
    if (!isUuid(channelId)) return undefined;
    const now = Date.now();
    const unknownUntil = this.unknown.get(channelId);
    if (unknownUntil !== undefined) {
      if (unknownUntil > now) return undefined;
      this.unknown.delete(channelId);
    }
    let entry = this.entries.get(channelId);
    if (!entry || entry.expiresAt <= now) {
      const loading = this.load(channelId);
      // `found` carries over while the entry reloads, so a known channel stays known meanwhile.
      const created: Entry = { expiresAt: now + TTL_MS, loaded: loading, found: entry?.found ?? false };
      entry = created;
      if (this.entries.size > MAX_ENTRIES) this.entries.clear();
      this.entries.set(channelId, entry);
      loading.then(
        (loaded) => {
          created.found = loaded !== undefined;
          // An id of no channel lives in the negative cache alone, so that cache's bound is the only one.
          if (this.unknown.has(channelId) && this.entries.get(channelId) === created) {
            this.entries.delete(channelId);
          }
        },
        () => {},
      );
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

  /**
   * Drops a channel's entries at once (it was created or changed through this process); other processes
   * wait the TTL.
   */
  invalidate(channelId: string): void {
    this.entries.delete(channelId);
    this.unknown.delete(channelId);
  }

  private rememberUnknown(channelId: string): void {
    if (this.unknown.size >= this.maxUnknown) {
      const oldest = this.unknown.keys().next();
      if (!oldest.done) this.unknown.delete(oldest.value);
    }
    this.unknown.set(channelId, Date.now() + UNKNOWN_TTL_MS);
  }

  private async load(channelId: string): Promise<Loaded | undefined> {
    const row = await findWebhookChannel(this.db, channelId);
    // A disabled channel stays in the short-lived entries: enabling it elsewhere takes effect in 2 s.
    if (!row) this.rememberUnknown(channelId);
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
