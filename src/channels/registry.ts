import type { ChannelAdapter, ChannelKind } from './channel-adapter.js';
import { smsAdapter } from './twilio/sms-adapter.js';
import { whatsappAdapter } from './whatsapp/adapter.js';

/**
 * The channels Leadline speaks, by kind: the one place besides the composition root (app.ts, server.ts,
 * tasks.ts, the CLI) that names concrete channels. Domains ask it for an adapter and see only the
 * interface (test/unit/channel-boundary.test.ts keeps it so).
 */
const ADAPTERS: Partial<Record<ChannelKind, ChannelAdapter>> = {
  whatsapp: whatsappAdapter,
  sms: smsAdapter,
};

export function channelAdapter(kind: ChannelKind): ChannelAdapter {
  const adapter = ADAPTERS[kind];
  if (!adapter) throw new Error(`no adapter for channel kind ${kind}`);
  return adapter;
}
