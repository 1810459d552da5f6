import { z } from 'zod';
import type { TaskReference } from '../../platform/jobs/task.js';

// What enqueueing needs of the WhatsApp pipeline's tasks; each handler is defined beside its domain code
// (`defineTask({ ...reference, handle })`) and listed in src/tasks.ts.

const ZConversationKey = z.string().regex(/^[1-9][0-9]{6,14}$/);

/** Processes a conversation's unprocessed inbound messages in Meta's timestamp order. */
export const processInboundTask = {
  id: 'whatsapp.process-inbound',
  schema: z.object({ channelId: z.uuid(), conversationKey: ZConversationKey }),
  maxAttempts: 25,
} satisfies TaskReference;

/** Applies a channel's unapplied status callbacks to the messages they are about. */
export const applyStatusesTask = {
  id: 'whatsapp.apply-statuses',
  schema: z.object({ channelId: z.uuid() }),
  maxAttempts: 25,
} satisfies TaskReference;

/** Sends one outbound message from the ledger (never twice once Meta accepted it). */
export const sendMessageTask = {
  id: 'whatsapp.send-message',
  /** `bulk`: a campaign's send, which takes only the campaign share of the number's throughput. */
  schema: z.object({ messageId: z.uuid(), bulk: z.boolean().optional() }),
  maxAttempts: 10,
  lane: 'outbound',
} satisfies TaskReference;

/**
 * The key of a message's send job. The processing job sends its replies itself right after committing
 * them and then drops their send jobs, which only stand by for a crash or a failed send.
 */
export function sendJobKey(messageId: string): string {
  return `wa-send:${messageId}`;
}

/**
 * Proves that a channel's access token controls its phone number id (a Graph call Meta answers only for
 * such a token); only then does the channel hold the number exclusively (ADR 0018, issue 11 item 2).
 */
export const proveChannelTask = {
  id: 'whatsapp.prove-channel',
  schema: z.object({ channelId: z.uuid() }),
  maxAttempts: 8,
} satisfies TaskReference;

/** Downloads an inbound message's media through the Graph API into the blob store. */
export const downloadMediaTask = {
  id: 'whatsapp.download-media',
  schema: z.object({ messageId: z.uuid() }),
  maxAttempts: 8,
} satisfies TaskReference;

/** Marks an inbound message (and so every earlier one) as read at Meta. */
export const markReadTask = {
  id: 'whatsapp.mark-read',
  schema: z.object({ messageId: z.uuid() }),
  maxAttempts: 5,
} satisfies TaskReference;

/**
 * One graphile-worker queue per conversation: its jobs (processing and sends) never run concurrently
 * and run in enqueue order.
 */
export function conversationQueue(channelId: string, conversationKey: string): string {
  return `wa:${channelId}:${conversationKey}`;
}
