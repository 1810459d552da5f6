import type { z } from 'zod';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
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

/** The kinds of file an operator can attach to an outbound message. */
export const OUTBOUND_MEDIA_KINDS = ['image', 'document'] as const;
export type OutboundMediaKind = (typeof OUTBOUND_MEDIA_KINDS)[number];

/** A file type a channel can send as an attachment, with the provider's size limit for it. */
export interface OutboundMediaType {
  mimeType: string;
  kind: OutboundMediaKind;
  maxBytes: number;
}

export interface ChannelAdapter {
  kind: ChannelKind;
  capabilities: ChannelCapabilities;
  /**
   * The files operators may attach (image and document messages): empty where the channel sends none,
   * and the dashboard then offers no attachment. Checked against the file's bytes, never its name.
   */
  outboundMedia: readonly OutboundMediaType[];
  replyWindow: ReplyWindowRule;
  /** The provider's default per-sender throughput (messages per second), enforced by the channel's sender. */
  defaultMessagesPerSecond: number;
  /**
   * One job queue per conversation: its processing and sends never overlap and run in enqueue order.
   * `conversationKey` is the contact's E.164 number without the plus.
   */
  conversationQueue(channelId: string, conversationKey: string): string;
  /** The task that sends one ledger row through the provider (exactly once, ADR 0018). */
  sendTask: TaskReference<z.ZodType<{ messageId: string; bulk?: boolean | undefined }>>;
  /** The send job's key: enqueueing it again while it waits replaces it. */
  sendJobKey(messageId: string): string;
  /** A provider's status word as a delivery state (undefined: not one Leadline tracks). */
  deliveryState(providerStatus: string): DeliveryState | undefined;
  /** What bulk sending (campaigns) needs to know of the channel: its limits, errors and prices. */
  bulk: BulkSending;
}

/**
 * The part of a sender's per-second throughput bulk sends (campaigns) may use: conversational replies keep
 * an eighth (10 of 80 messages/s) that bulk sends never take, and may use more when bulk leaves it. A
 * sender of one message a second keeps no reserve.
 */
export function bulkShare(messagesPerSecond: number): number {
  if (messagesPerSecond <= 1) return messagesPerSecond;
  return messagesPerSecond - Math.max(1, Math.floor(messagesPerSecond / 8));
}

/** What a campaign does about a failed send, by the provider's error code (ADR 0039). */
export type BulkFailureAction =
  /** The recipient failed with the code; not retried (undeliverable, withheld, bad number). */
  | 'recipient_failed'
  /** The recipient asked to stop marketing messages: record the opt-out. */
  | 'opted_out'
  /** The message itself is wrong (template paused, missing, mismatched): pause the whole campaign. */
  | 'pause_campaign';

export interface BulkLimits {
  /** The sender's per-second throughput. */
  messagesPerSecond: number;
  /** Unique recipients the sender may start conversations with per rolling 24 hours; null: unlimited. */
  dailyRecipients: number | null;
}

export interface BulkSending {
  /** The channel's limits; undefined when the channel is not the workspace's or is disabled. */
  limits(trx: TenantTransaction, channelId: string): Promise<BulkLimits | undefined>;
  failureAction(errorCode: number | null): BulkFailureAction;
  /** Units and estimated price of one text (SMS segments); undefined where the channel bills otherwise. */
  textCost?(text: string): { segments: number; estimateMicros: number; currency: string };
}

/** Whether `next` moves a message's delivery state forward (status callbacks arrive in any order). */
export function isForward(current: DeliveryState | null, next: DeliveryState): boolean {
  if (current === null) return true;
  if (current === 'failed') return false;
  if (next === 'failed') return true;
  return DELIVERY_STATES.indexOf(next) > DELIVERY_STATES.indexOf(current);
}
