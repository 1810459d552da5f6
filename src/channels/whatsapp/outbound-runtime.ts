import type { BlobStore } from '../../platform/blobs/blob-store.js';
import { configuredBlobStore } from '../../platform/blobs/configured-blob-store.js';
import { createEncryptedBlobStore } from '../../platform/blobs/encrypted-blob-store.js';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import {
  configuredOutboundClient,
  type OutboundClient,
} from '../../platform/http/outbound/outbound-client.js';
import type { Logger } from '../../platform/logging/logger.js';
import { breakerGauge } from '../../platform/metrics/breaker-gauge.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import type { LimiterStore } from '../../platform/rate-limit/limiter-store.js';
import { channelSecretBox } from './channels.service.js';
import { createGraphApiClient, type GraphApiClient } from './graph-api.client.js';
import type { AttachmentSources } from './outbound-media.js';
import { TemplateCatalog } from './template-catalog.js';
import { createThroughput, type Throughput } from './throughput.js';

/** What the outbound WhatsApp tasks (send, mark-as-read, media download) need at run time. */
export interface WhatsappOutbound {
  graph: GraphApiClient;
  throughput: Throughput;
  blobs: BlobStore;
  mediaMaxBytes: number;
  /** Channels' approved templates, remembered: a template message's text is rendered from them. */
  templates: TemplateCatalog;
  /** Opens a channel's sealed access token; the plaintext lives only for the call. */
  openAccessToken(sealed: string): string;
  /** How long a send in doubt waits for a status callback naming it (ADR 0018). */
  inDoubtWaitSeconds: number;
  /**
   * Wamids Meta returned that could not be saved yet (by message id): a retry in this process saves them
   * instead of waiting for a status callback. Lost with the process, which the wait then covers.
   */
  unsavedAcceptances: Map<string, string>;
  metrics: Metrics | undefined;
  /** Where the files of outbound documents are read (by source name); none: such rows fail. */
  attachments?: AttachmentSources;
  close(): Promise<void>;
}

export interface WhatsappOutboundOptions {
  config: Config;
  /** Reads the workspaces' data keys: media blobs are sealed at rest with them (ADR 0036). */
  db: Db;
  limiterStore: LimiterStore;
  logger: Logger;
  metrics?: Metrics;
  /** Tests shorten the in-call retry and breaker timings; production uses the client's defaults. */
  http?: OutboundClient;
  blobs?: BlobStore;
  attachments?: AttachmentSources;
}

export function createWhatsappOutbound(options: WhatsappOutboundOptions): WhatsappOutbound {
  const { config } = options;
  const http =
    options.http ??
    configuredOutboundClient(config, {
      ...(options.metrics
        ? { onBreakerChange: breakerGauge(options.metrics.circuitBreakersOpen, 'whatsapp') }
        : {}),
    });
  const box = channelSecretBox(config);
  const blobs = createEncryptedBlobStore(options.blobs ?? configuredBlobStore(config, http), options.db);
  const graph = createGraphApiClient({
    http,
    baseUrl: config.whatsapp.graphApiUrl,
    version: config.whatsapp.graphApiVersion,
  });
  return {
    graph,
    templates: new TemplateCatalog(graph),
    throughput: createThroughput({ store: options.limiterStore, logger: options.logger }),
    blobs,
    mediaMaxBytes: config.media.maxBytes,
    openAccessToken: (sealed) => box.open(sealed),
    inDoubtWaitSeconds: config.whatsapp.inDoubtWaitSeconds,
    unsavedAcceptances: new Map(),
    metrics: options.metrics,
    ...(options.attachments ? { attachments: options.attachments } : {}),
    close: () => http.close(),
  };
}
