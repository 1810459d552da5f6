import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Agent } from '../agent/agent.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { AnyTask } from '../platform/jobs/task.js';
import type { Logger } from '../platform/logging/logger.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { SmsOutbound } from './twilio/sms-send.task.js';
import type { TwilioRuntime } from './twilio/twilio-runtime.js';
import type { InboxWhatsapp } from './whatsapp/inbox-whatsapp.service.js';
import type { WhatsappOutbound } from './whatsapp/outbound-runtime.js';
import type { ProcessInboundDependencies } from './whatsapp/process-inbound.task.js';

export type ChannelApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What the composition root (app.ts) gives every channel's routes: the platform and the process's clients. */
export interface ChannelRoutesContext {
  config: Config;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  /** WhatsApp's Graph API client and blob store (media reads, templates), owned by the app. */
  whatsapp: InboxWhatsapp;
  /** Twilio's REST client and call bridge, owned by the app. */
  twilio: TwilioRuntime;
}

/** What the composition root (tasks.ts) gives every channel's worker tasks. */
export interface ChannelTasksContext {
  /** Answers conversations the bot owns, whatever their channel. */
  agent: Agent;
  whatsappOutbound: WhatsappOutbound;
  sms: SmsOutbound;
  /** A domain's answer to a tapped reply button (quotes' accept / question buttons). */
  buttonReplies: ProcessInboundDependencies['buttonReplies'];
}

/**
 * The composition side of a channel: its HTTP routes (webhooks, connection settings, channel-specific
 * inbox endpoints) and its worker tasks. The domains' side is its ChannelAdapter (channel-adapter.ts,
 * registry.ts); this one imports Fastify and route modules, so it is kept apart from the adapter the
 * domains import. Adding a channel is adding its adapter to registry.ts and its plugin to channels.ts.
 */
export interface ChannelPlugin {
  /** The provider folder under src/channels/. */
  name: string;
  registerRoutes(app: ChannelApp, context: ChannelRoutesContext): Promise<void>;
  tasks(context: ChannelTasksContext): readonly AnyTask[];
}
