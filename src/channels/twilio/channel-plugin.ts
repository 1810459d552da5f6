import { createCallbackCallEvents } from '../../widgets/call-events.service.js';
import type { ChannelPlugin } from '../channel-plugin.js';
import { twilioConnectionRoutes } from './connection.routes.js';
import { smsApplyStatusesTaskDefinition } from './sms-apply-statuses.task.js';
import { createSmsProcessInboundTask } from './sms-process.task.js';
import { createSmsSendMessageTask } from './sms-send.task.js';
import { twilioSmsWebhookRoutes } from './sms-webhooks.routes.js';
import { twilioVoiceWebhookRoutes } from './voice-webhooks.routes.js';

/** Twilio: the connection and numbers, the voice (call-back) and SMS webhooks, and the SMS jobs. */
export const twilioChannelPlugin: ChannelPlugin = {
  name: 'twilio',
  async registerRoutes(app, { db, config, metrics, twilio }) {
    await app.register(twilioConnectionRoutes, { db, config, rest: twilio.rest });
    await app.register(twilioVoiceWebhookRoutes, {
      db,
      config,
      events: createCallbackCallEvents(db, metrics),
      metrics,
    });
    await app.register(twilioSmsWebhookRoutes, { db, config, metrics });
  },
  tasks: ({ agent, sms }) => [
    createSmsProcessInboundTask({ agent }),
    createSmsSendMessageTask(sms),
    smsApplyStatusesTaskDefinition,
  ],
};
