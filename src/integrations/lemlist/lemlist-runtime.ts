import type { Config } from '../../platform/config/config.js';
import {
  configuredOutboundClient,
  type OutboundClient,
} from '../../platform/http/outbound/outbound-client.js';
import { createLemlistClient, type LemlistClient } from './lemlist.client.js';

/** Lemlist for one process: the API client on its own outbound client. */
export interface LemlistRuntime {
  client: LemlistClient;
  close(): Promise<void>;
}

export function createLemlistRuntime(options: { config: Config; http?: OutboundClient }): LemlistRuntime {
  const { config } = options;
  const http =
    options.http ??
    configuredOutboundClient(config, {
      // Lemlist allows 20 requests per 2 s per key and says how long to wait (Retry-After): 429s and 5xx
      // are retried in the call with exponential backoff; longer outages fail the recipient's job, which
      // backs off in its turn.
      retry: { maxRetries: 4, initialDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 },
    });
  const client = createLemlistClient({ http, baseUrl: config.lemlist.apiUrl });
  return { client, close: () => http.close() };
}
