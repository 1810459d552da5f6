import type { BulkFailureAction, BulkSending } from '../channel-adapter.js';

/** A user stopped marketing messages from this business number (only the user can resume them). */
const MARKETING_OPT_OUT = 131050;
/** Spam rate limit: sending on would get the number flagged harder. */
const SPAM_RATE_LIMIT = 131048;

/**
 * Campaign outcomes by Meta's code (limits-and-peers.md, protocols.md §1). 130429 never reaches here: the
 * send job retries it with back-off (graph-errors.ts). Template errors (132xxx: missing, paused, disabled,
 * parameters not matching) are the message's fault, so the whole campaign pauses with the reason.
 */
export function whatsappFailureAction(code: number | null): BulkFailureAction {
  if (code === MARKETING_OPT_OUT) return 'opted_out';
  if (code === SPAM_RATE_LIMIT) return 'pause_campaign';
  if (code !== null && code >= 132000 && code <= 132999) return 'pause_campaign';
  return 'recipient_failed';
}

export const whatsappBulkSending: BulkSending = {
  async limits(trx, channelId) {
    const channel = await trx
      .selectFrom('whatsappChannels')
      .select(['messagesPerSecond', 'messagingTier'])
      .where('id', '=', channelId)
      .where('disabledAt', 'is', null)
      .executeTakeFirst();
    if (!channel) return undefined;
    return { messagesPerSecond: channel.messagesPerSecond, dailyRecipients: channel.messagingTier };
  },
  failureAction: whatsappFailureAction,
};
