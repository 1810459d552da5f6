import type { ChannelAdapter, DeliveryState } from '../channel-adapter.js';
import { customerWindowClosesAt, needsCustomerWindow } from './customer-window.js';
import { conversationQueue, sendJobKey, sendMessageTask } from './task-refs.js';

const META_STATES: Record<string, DeliveryState> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'played',
  failed: 'failed',
};

/** WhatsApp Cloud API as a channel: wrappers over the pipeline's own modules (ADR 0009, 0027). */
export const whatsappAdapter: ChannelAdapter = {
  kind: 'whatsapp',
  capabilities: { text: true, template: true, media: true, interactive: true },
  replyWindow: { closesAt: customerWindowClosesAt, needsWindow: needsCustomerWindow },
  // Meta's default business-initiated throughput per phone number (limits-and-peers.md).
  defaultMessagesPerSecond: 80,
  conversationQueue,
  sendTask: sendMessageTask,
  sendJobKey,
  deliveryState: (status) => META_STATES[status],
};
