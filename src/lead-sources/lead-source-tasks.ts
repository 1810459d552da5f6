import { createHunterClient, type HunterClient } from '../contacts/enrichment/hunter.client.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { OutboundClient } from '../platform/http/outbound/outbound-client.js';
import type { PhantombusterTaskDeps } from './import-phantombuster.task.js';
import { createPhantombusterApi } from './phantombuster.js';

/** What the lead-source and enrichment jobs need at run time (built once per worker in server.ts). */
export interface LeadSourceTaskDeps {
  db: Db;
  config: Config;
  blobs: BlobStore;
  /** The shared outbound client (timeouts, retries, circuit breakers, SSRF guard). */
  http: OutboundClient;
}

export function leadSourceTaskParts(deps: LeadSourceTaskDeps): {
  phantombuster: PhantombusterTaskDeps;
  hunter: HunterClient | undefined;
} {
  const { hunterApiKey, hunterApiUrl } = deps.config.enrichment;
  return {
    phantombuster: {
      db: deps.db,
      config: deps.config,
      blobs: deps.blobs,
      api: createPhantombusterApi({ http: deps.http, baseUrl: deps.config.leadSources.phantombusterApiUrl }),
    },
    hunter: hunterApiKey
      ? createHunterClient({ http: deps.http, baseUrl: hunterApiUrl, apiKey: hunterApiKey })
      : undefined,
  };
}
