import type { ChannelAdapter, DeliveryState } from '../channel-adapter.js';
import { smsBulkSending } from './bulk-sending.js';
import { smsConversationQueue, smsSendJobKey, smsSendMessageTask } from './sms-task-refs.js';

/** Twilio's MessageStatus words (protocols.md) as delivery states; `undelivered` is a failure. */
const TWILIO_STATES: Record<string, DeliveryState> = {
  accepted: 'accepted',
  queued: 'accepted',
  sending: 'accepted',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
};

/** SMS over Twilio as a channel (ADR 0027): text only, no reply window, a conversation per number. */
export const smsAdapter: ChannelAdapter = {
  kind: 'sms',
  capabilities: { text: true, template: false, media: false, interactive: false },
  // MMS reaches only US and Canadian numbers (elsewhere Twilio converts it to a link or refuses it): SMS
  // conversations offer no attachments (ADR 0049).
  outboundMedia: [],
  // SMS has no customer-service window: a business may write any time (opt-outs still apply).
  replyWindow: { closesAt: () => null, needsWindow: () => false },
  // Twilio queues what a long code cannot send at once (one segment a second in the US); a conservative
  // default that a faster sender (short code, toll-free, other countries) may raise.
  defaultMessagesPerSecond: 1,
  conversationQueue: smsConversationQueue,
  sendTask: smsSendMessageTask,
  sendJobKey: smsSendJobKey,
  deliveryState: (status) => TWILIO_STATES[status],
  bulk: smsBulkSending,
};
