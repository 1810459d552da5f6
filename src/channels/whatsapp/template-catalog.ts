import type { GraphApiClient, GraphChannel } from './graph-api.client.js';

/** An approved message template as Meta lists it; components in Meta's shape. */
export interface Template {
  name: string;
  language: string;
  category: string | null;
  status: string;
  components: Record<string, unknown>[];
}

/** Graph pages followed per listing: a business account with more templates than this is cut off. */
const MAX_TEMPLATE_PAGES = 10;

/** A channel's approved templates, asked of Meta now. A GraphApiError when Meta does not answer. */
export async function listApprovedTemplates(
  graph: GraphApiClient,
  channel: GraphChannel,
  wabaId: string,
): Promise<Template[]> {
  const templates: Template[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < MAX_TEMPLATE_PAGES; pages++) {
    const page = await graph.listTemplates(channel, wabaId, after);
    for (const item of page.data) {
      if (item.status !== 'APPROVED') continue;
      templates.push({
        name: item.name,
        language: item.language,
        category: item.category ?? null,
        status: item.status,
        components: item.components,
      });
    }
    after = page.paging?.next ? page.paging.cursors?.after : undefined;
    if (!after) break;
  }
  return templates;
}

export interface TemplateCatalogOptions {
  /** How long a channel's listing is used before Meta is asked again. */
  ttlMs?: number;
  /** A template missing from a listing at least this old makes the catalog ask Meta again (newly approved). */
  missRefreshMs?: number;
  /** Channels remembered at most (the oldest listing is dropped first). */
  maxChannels?: number;
  now?: () => number;
}

interface Listing {
  at: number;
  templates: Template[];
}

/**
 * The process's memory of channels' approved templates, so that a template message's text can be
 * rendered at send time without asking Meta for every message (a campaign sends thousands with one
 * template). Keyed by channel and business account: a channel moved to another account starts afresh.
 * Only callers that already read the channel in its tenant's transaction reach it, by that channel's id.
 */
export class TemplateCatalog {
  private readonly listings = new Map<string, Listing>();
  private readonly ttlMs: number;
  private readonly missRefreshMs: number;
  private readonly maxChannels: number;
  private readonly now: () => number;

  constructor(
    private readonly graph: GraphApiClient,
    options: TemplateCatalogOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.missRefreshMs = options.missRefreshMs ?? 30_000;
    this.maxChannels = options.maxChannels ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** The channel's approved templates asked of Meta now (and remembered). A GraphApiError if Meta fails. */
  async list(channel: GraphChannel, wabaId: string): Promise<Template[]> {
    const templates = await listApprovedTemplates(this.graph, channel, wabaId);
    this.remember(`${channel.id}:${wabaId}`, templates);
    return templates;
  }

  /**
   * One approved template, from the remembered listing while it is fresh; undefined when the account
   * has no such approved template. A GraphApiError when Meta had to be asked and did not answer.
   */
  async find(
    channel: GraphChannel,
    wabaId: string,
    name: string,
    language: string,
  ): Promise<Template | undefined> {
    const pick = (templates: Template[]) =>
      templates.find((template) => template.name === name && template.language === language);
    const listing = this.listings.get(`${channel.id}:${wabaId}`);
    const age = listing ? this.now() - listing.at : Number.POSITIVE_INFINITY;
    if (listing && age < this.ttlMs) {
      const found = pick(listing.templates);
      if (found || age < this.missRefreshMs) return found;
    }
    return pick(await this.list(channel, wabaId));
  }

  private remember(key: string, templates: Template[]): void {
    this.listings.delete(key);
    if (this.listings.size >= this.maxChannels) {
      const oldest = this.listings.keys().next().value;
      if (oldest !== undefined) this.listings.delete(oldest);
    }
    this.listings.set(key, { at: this.now(), templates });
  }
}
