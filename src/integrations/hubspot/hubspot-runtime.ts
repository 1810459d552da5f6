import type { Config } from '../../platform/config/config.js';
import {
  configuredOutboundClient,
  type OutboundClient,
} from '../../platform/http/outbound/outbound-client.js';
import { createHubspotClient, type HubspotClient } from './hubspot.client.js';
import { RateLimiters } from './rate-limiter.js';

/** HubSpot for one process: the API client on its own outbound client, with the per-account limiters. */
export interface HubspotRuntime {
  client: HubspotClient;
  close(): Promise<void>;
}

export function createHubspotRuntime(options: { config: Config; http?: OutboundClient }): HubspotRuntime {
  const { config } = options;
  const http =
    options.http ??
    configuredOutboundClient(config, {
      // 429s are waited for by the account's limiter; other failures fail the job, which backs off.
      retry: { maxRetries: 0, initialDelayMs: 200, maxDelayMs: 2_000, maxRetryAfterMs: 10_000 },
    });
  const client = createHubspotClient({ http, baseUrl: config.hubspot.apiUrl, limiters: new RateLimiters() });
  return { client, close: () => http.close() };
}
