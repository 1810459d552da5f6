import type { ChannelPlugin } from './channel-plugin.js';
import { twilioChannelPlugin } from './twilio/channel-plugin.js';
import { whatsappChannelPlugin } from './whatsapp/channel-plugin.js';

/**
 * Every channel's routes and tasks, for the composition root (app.ts registers the routes, tasks.ts
 * lists the tasks). Domains never import this: they see channels through registry.ts.
 */
export const CHANNEL_PLUGINS: readonly ChannelPlugin[] = [whatsappChannelPlugin, twilioChannelPlugin];
