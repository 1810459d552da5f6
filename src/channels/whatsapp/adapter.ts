import type { ChannelAdapter, DeliveryState } from '../channel-adapter.js';
import { whatsappBulkSending } from './bulk-sending.js';
import { customerWindowClosesAt, needsCustomerWindow } from './customer-window.js';
import { conversationQueue, sendJobKey, sendMessageTask } from './task-refs.js';

const META_STATES: Record<string, DeliveryState> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'played',
  failed: 'failed',
};

const MB = 1024 * 1024;
const document = (mimeType: string) => ({ mimeType, kind: 'document', maxBytes: 100 * MB }) as const;

/** Meta's "Supported media types" that operators may attach: JPEG and PNG images (5 MB), documents (100 MB). */
const WHATSAPP_OUTBOUND_MEDIA: ChannelAdapter['outboundMedia'] = [
  { mimeType: 'image/jpeg', kind: 'image', maxBytes: 5 * MB },
  { mimeType: 'image/png', kind: 'image', maxBytes: 5 * MB },
  document('application/pdf'),
  document('application/msword'),
  document('application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
  document('application/vnd.ms-excel'),
  document('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
  document('application/vnd.ms-powerpoint'),
  document('application/vnd.openxmlformats-officedocument.presentationml.presentation'),
  document('text/plain'),
];

/** WhatsApp Cloud API as a channel: wrappers over the pipeline's own modules (ADR 0009, 0027). */
export const whatsappAdapter: ChannelAdapter = {
  kind: 'whatsapp',
  capabilities: { text: true, template: true, media: true, interactive: true },
  outboundMedia: WHATSAPP_OUTBOUND_MEDIA,
  replyWindow: { closesAt: customerWindowClosesAt, needsWindow: needsCustomerWindow },
  // Meta's default business-initiated throughput per phone number (limits-and-peers.md).
  defaultMessagesPerSecond: 80,
  conversationQueue,
  sendTask: sendMessageTask,
  sendJobKey,
  deliveryState: (status) => META_STATES[status],
  bulk: whatsappBulkSending,
};
