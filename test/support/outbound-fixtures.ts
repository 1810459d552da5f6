import { createHash, randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { channelSecretBox } from '../../src/channels/whatsapp/channels.service.js';
import { createGraphApiClient } from '../../src/channels/whatsapp/graph-api.client.js';
import type { WhatsappOutbound } from '../../src/channels/whatsapp/outbound-runtime.js';
import { TemplateCatalog } from '../../src/channels/whatsapp/template-catalog.js';
import { createThroughput } from '../../src/channels/whatsapp/throughput.js';
import { createEncryptedBlobStore } from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool, type Db } from '../../src/platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { createOutboundClient } from '../../src/platform/http/outbound/outbound-client.js';
import type { AnyTask, TaskContext } from '../../src/platform/jobs/task.js';
import type { Logger } from '../../src/platform/logging/logger.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics/metrics.js';
import { createLimiterStore } from '../../src/platform/rate-limit/limiter-store.js';
import type { FakeGraphApi } from '../fakes/graph-api.js';
import type { TestDatabase } from './test-database.js';

// Set-up for the outbound WhatsApp suites: channels, contacts and conversations written straight through
// a tenant transaction, and the real outbound runtime pointed at the fake Graph API.

export interface OutboundHarness {
  outbound: WhatsappOutbound;
  metrics: Metrics;
  close(): Promise<void>;
}

/** The production runtime with test timings: short in-call backoff, a 500 ms timeout, a 5-failure breaker. */
export function outboundHarness(
  database: TestDatabase,
  config: Config,
  fake: FakeGraphApi,
  logger: Logger,
  options: { allowFake?: boolean; mediaMaxBytes?: number; blobDir?: string; timeoutMs?: number } = {},
): OutboundHarness {
  const http = createOutboundClient({
    connectTimeoutMs: 1_000,
    timeoutMs: options.timeoutMs ?? 500,
    allowPrivateHosts: options.allowFake === false ? [] : [fake.hostPort],
    retry: { maxRetries: 2, initialDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 3_000 },
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 60_000 },
  });
  const pool = createPool({
    connectionString: database.appUrl,
    max: 2,
    applicationName: 'leadline-test-limits',
  });
  const store = createLimiterStore({ pool, redisUrl: undefined });
  const metrics = createMetrics();
  const box = channelSecretBox(config);
  const graph = createGraphApiClient({ http, baseUrl: fake.url, version: config.whatsapp.graphApiVersion });
  const outbound: WhatsappOutbound = {
    graph,
    templates: new TemplateCatalog(graph),
    throughput: createThroughput({ store, logger, maxWaitMs: 10_000 }),
    blobs: createEncryptedBlobStore(
      createFilesystemBlobStore(options.blobDir ?? config.media.blobDir),
      database.db,
    ),
    mediaMaxBytes: options.mediaMaxBytes ?? config.media.maxBytes,
    openAccessToken: (sealed) => box.open(sealed),
    inDoubtWaitSeconds: config.whatsapp.inDoubtWaitSeconds,
    unsavedAcceptances: new Map(),
    metrics,
    close: () => http.close(),
  };
  return {
    outbound,
    metrics,
    close: async () => {
      await http.close();
      await pool.end();
    },
  };
}

/** Runs a task's handler as the worker would (payload parsed, tenant context), `attempt` as given. */
export async function runTask(
  db: Db,
  task: AnyTask,
  tenantId: string,
  payload: unknown,
  options: { attempt?: number; logger: Logger },
): Promise<void> {
  const context: TaskContext<'tenant'> = {
    tenantId,
    requestId: `test-${randomBytes(4).toString('hex')}`,
    jobId: '0',
    attempt: options.attempt ?? 1,
    logger: options.logger,
    signal: undefined,
    withTenant: (work) => withTenant(db, tenantId, work),
  };
  await task.handle(task.schema.parse(payload), context);
}

export interface ConversationFixture {
  tenantId: string;
  channelId: string;
  phoneNumberId: string;
  contactId: string;
  conversationId: string;
  phoneE164: string;
}

/** A tenant's channel (token sealed as the app seals it), contact and conversation. */
export async function createConversation(
  db: Db,
  config: Config,
  input: {
    tenantId: string;
    accessToken: string;
    channelId?: string;
    lastInboundAt?: Date | null;
    messagesPerSecond?: number;
  },
): Promise<ConversationFixture> {
  const box = channelSecretBox(config);
  return withTenant(db, input.tenantId, async (trx) => {
    let channelId = input.channelId;
    let phoneNumberId: string;
    if (channelId) {
      const existing = await trx
        .selectFrom('whatsappChannels')
        .select('phoneNumberId')
        .where('id', '=', channelId)
        .executeTakeFirstOrThrow();
      phoneNumberId = existing.phoneNumberId;
    } else {
      phoneNumberId = `1065${randomInt(10 ** 9, 10 ** 10)}`;
      const channel = await trx
        .insertInto('whatsappChannels')
        .values({
          name: 'Sales line',
          phoneNumberId,
          displayPhoneNumber: '15550783881',
          wabaId: '102290129340398',
          accessTokenSealed: box.seal(input.accessToken),
          appSecretSealed: box.seal('app-secret'),
          previousAppSecretSealed: null,
          previousAppSecretExpiresAt: null,
          verifyTokenHash: createHash('sha256').update('verify').digest(),
          disabledAt: null,
          ...(input.messagesPerSecond ? { messagesPerSecond: input.messagesPerSecond } : {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      channelId = channel.id;
    }
    const phoneE164 = `+1650${randomInt(1_000_000, 9_999_999)}`;
    const contact = await trx
      .insertInto('contacts')
      .values({ phoneE164, waId: phoneE164.slice(1) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const conversation = await trx
      .insertInto('conversations')
      .values({
        channelId,
        contactId: contact.id,
        agentState: JSON.stringify({}),
        language: null,
        pausedUntil: null,
        lastInboundAt: input.lastInboundAt === undefined ? new Date() : input.lastInboundAt,
        lastMessageAt: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return {
      tenantId: input.tenantId,
      channelId,
      phoneNumberId,
      contactId: contact.id,
      conversationId: conversation.id,
      phoneE164,
    };
  });
}

/** A stored raw webhook event, which status rows reference. */
export async function insertWebhookEvent(trx: TenantTransaction, channelId: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into whatsapp_webhook_events (channel_id, request_id, body)
    values (${channelId}, 'test', ${Buffer.from('{}')}) returning id::text as id`.execute(trx);
  return rows[0]?.id as string;
}

/** A status callback as the webhook stores it (one per (channel, wamid, status)). */
export async function insertStatus(
  db: Db,
  fixture: ConversationFixture,
  wamid: string,
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'played',
  occurredAt: Date,
  errors: Array<Record<string, unknown>> | null = null,
): Promise<void> {
  await withTenant(db, fixture.tenantId, async (trx) => {
    const eventId = await insertWebhookEvent(trx, fixture.channelId);
    await sql`
      insert into whatsapp_status_events (channel_id, provider_message_id, status, occurred_at, recipient_id, errors, event_id)
      values (${fixture.channelId}, ${wamid}, ${status}, ${occurredAt}, ${fixture.phoneE164.slice(1)},
              ${errors === null ? null : JSON.stringify(errors)}::jsonb, ${eventId}::bigint)
      on conflict (channel_id, provider_message_id, status) do nothing`.execute(trx);
  });
}
