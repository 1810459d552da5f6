import type { z } from 'zod';
import type { TaskReference } from '../platform/jobs/task.js';

/**
 * What the channel-agnostic domains (conversations, contacts, the agent, ownership, the send ledger, the
 * inbox and live events) know of a messaging channel. Each channel (src/channels/<provider>/) provides
 * one adapter; the domains look it up by kind through src/channels/registry.ts and never import a
 * channel's modules. See docs/decisions/0027-channel-adapters-and-sms.md.
 */
export const CHANNEL_KINDS = ['whatsapp', 'sms'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Delivery states of an outbound message, in the order they can only move forward. */
export const DELIVERY_STATES = [
  'pending',
  'accepted',
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** What a channel can carry. The send ledger refuses a body its conversation's channel cannot send. */
export interface ChannelCapabilities {
  text: boolean;
  /** Messages a channel lets a business send any time (WhatsApp's approved templates). */
  template: boolean;
  /** Images, documents, audio, video (WhatsApp's media upload and document message). */
  media: boolean;
  /** Reply buttons and lists (WhatsApp's interactive messages). */
  interactive: boolean;
}

/** The rule that says when free-form replies may go out (WhatsApp's 24-hour customer-service window). */
export interface ReplyWindowRule {
  /** When the window closes; null when it never opened. A channel without a window never closes it. */
  closesAt(lastInboundAt: Date | null): Date | null;
  /** Whether a message of this type needs the window open. */
  needsWindow(messageType: string): boolean;
}

export interface ChannelAdapter {
  kind: ChannelKind;
  capabilities: ChannelCapabilities;
  replyWindow: ReplyWindowRule;
  /** The provider's default per-sender throughput (messages per second), enforced by the channel's sender. */
  defaultMessagesPerSecond: number;
  /**
   * One job queue per conversation: its processing and sends never overlap and run in enqueue order.
   * `conversationKey` is the contact's E.164 number without the plus.
   */
  conversationQueue(channelId: string, conversationKey: string): string;
  /** The task that sends one ledger row through the provider (exactly once, ADR 0018). */
  sendTask: TaskReference<z.ZodType<{ messageId: string }>>;
  /** The send job's key: enqueueing it again while it waits replaces it. */
  sendJobKey(messageId: string): string;
  /** A provider's status word as a delivery state (undefined: not one Leadline tracks). */
  deliveryState(providerStatus: string): DeliveryState | undefined;
}

/** Whether `next` moves a message's delivery state forward (status callbacks arrive in any order). */
export function isForward(current: DeliveryState | null, next: DeliveryState): boolean {
  if (current === null) return true;
  if (current === 'failed') return false;
  if (next === 'failed') return true;
  return DELIVERY_STATES.indexOf(next) > DELIVERY_STATES.indexOf(current);
}
