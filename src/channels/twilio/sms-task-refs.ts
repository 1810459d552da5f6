import { z } from 'zod';
import type { TaskReference } from '../../platform/jobs/task.js';

// What enqueueing needs of the SMS tasks; the handlers are defined beside their code and listed in
// src/tasks.ts.

const ZConversationKey = z.string().regex(/^[1-9][0-9]{6,14}$/);

/** Processes a conversation's unprocessed inbound SMS receipts, oldest first. */
export const smsProcessInboundTask = {
  id: 'sms.process-inbound',
  schema: z.object({ numberId: z.uuid(), conversationKey: ZConversationKey }),
  maxAttempts: 25,
} satisfies TaskReference;

/** Sends one outbound message of an SMS conversation from the ledger through Twilio's Messages.json. */
export const smsSendMessageTask = {
  id: 'sms.send-message',
  /** `bulk`: a campaign's send, which takes only the campaign share of the sender's throughput. */
  schema: z.object({ messageId: z.uuid(), bulk: z.boolean().optional() }),
  maxAttempts: 10,
  lane: 'outbound',
} satisfies TaskReference;

export function smsSendJobKey(messageId: string): string {
  return `sms-send:${messageId}`;
}

/** One job queue per (Twilio number, sender): processing and sends never overlap and keep their order. */
export function smsConversationQueue(numberId: string, conversationKey: string): string {
  return `sms:${numberId}:${conversationKey}`;
}

/** Applies a number's waiting status callbacks whose ledger rows appeared, and expires old ones. */
export const smsApplyStatusesTask = {
  id: 'sms.apply-statuses',
  schema: z.object({ numberId: z.uuid() }),
  maxAttempts: 5,
} satisfies TaskReference;

export function smsStatusesJobKey(numberId: string): string {
  return `sms-statuses:${numberId}`;
}
