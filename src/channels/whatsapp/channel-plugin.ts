import type { ChannelPlugin } from '../channel-plugin.js';
import { applyStatusesTaskDefinition } from './apply-statuses.task.js';
import { whatsappChannelsRoutes } from './channels.routes.js';
import { createDownloadMediaTask } from './download-media.task.js';
import { inboxWhatsappRoutes } from './inbox-whatsapp.routes.js';
import { IngestBatcher } from './ingest-batcher.js';
import { createMarkReadTask } from './mark-read.task.js';
import { whatsappMessagesRoutes } from './messages.routes.js';
import { createProcessInboundTask } from './process-inbound.task.js';
import { createProveChannelTask } from './prove-channel.task.js';
import { createSendMessageTask, sendOutbound } from './send-message.task.js';
import { whatsappWebhookRoutes } from './webhook.routes.js';
import { WebhookChannels } from './webhook-channels.js';

/** WhatsApp Cloud API: its channels' settings, webhook, inbox media and templates, and its jobs. */
export const whatsappChannelPlugin: ChannelPlugin = {
  name: 'whatsapp',
  async registerRoutes(app, { db, config, logger, metrics, whatsapp }) {
    await app.register(inboxWhatsappRoutes, { db, whatsapp });
    await app.register(whatsappMessagesRoutes, {
      db,
      secretKeys: [config.secretKey, ...config.previousSecretKeys],
      whatsapp,
    });
    const webhookChannels = new WebhookChannels(db, config);
    await app.register(whatsappChannelsRoutes, {
      db,
      config,
      onChannelChanged: (channelId) => webhookChannels.invalidate(channelId),
    });
    await app.register(whatsappWebhookRoutes, {
      channels: webhookChannels,
      batcher: new IngestBatcher(db, logger, {
        windowMs: config.whatsapp.webhookBatchWindowMs,
        maxBatch: 256,
        onBatch: (size) => metrics.webhookBatchSize.observe(size),
      }),
      metrics,
      unknownPerMinute: config.rateLimits.webhookUnknownPerMinute,
    });
  },
  tasks: ({ agent, whatsappOutbound, buttonReplies }) => [
    createProcessInboundTask({
      agent,
      sendNow: (message, ctx) => sendOutbound(whatsappOutbound, message, ctx, { dropSendJob: true }),
      buttonReplies,
    }),
    applyStatusesTaskDefinition,
    createSendMessageTask(whatsappOutbound),
    createMarkReadTask(whatsappOutbound),
    createDownloadMediaTask(whatsappOutbound),
    createProveChannelTask(whatsappOutbound),
  ],
};
