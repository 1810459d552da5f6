import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import {
  configuredOutboundClient,
  type OutboundClient,
} from '../../platform/http/outbound/outbound-client.js';
import type { CallBridge, SmsSender } from '../../widgets/ports.js';
import { createTwilioCallBridge } from './call-bridge.js';
import { createTwilioRestClient, type TwilioRestClient } from './rest.client.js';

/** Twilio for one process: the REST client on its own outbound client, and the ports built on it. */
export interface TwilioRuntime {
  rest: TwilioRestClient;
  bridge: CallBridge & SmsSender;
  close(): Promise<void>;
}

export function createTwilioRuntime(options: {
  config: Config;
  db: Db;
  http?: OutboundClient;
}): TwilioRuntime {
  const { config } = options;
  const http =
    options.http ??
    configuredOutboundClient(config, {
      // Calls are placed by jobs, which retry later; a long in-call wait would only delay the ring.
      retry: { maxRetries: 2, initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 3_000 },
    });
  const rest = createTwilioRestClient({ http, baseUrl: config.twilio.apiUrl });
  return {
    rest,
    bridge: createTwilioCallBridge({ db: options.db, config, rest }),
    close: () => http.close(),
  };
}
