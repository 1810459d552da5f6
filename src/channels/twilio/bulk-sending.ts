import type { BulkSending } from '../channel-adapter.js';
import { smsSegments } from './sms-segments.js';

/** Twilio: the recipient replied STOP to this sender (21610); the carrier blocks every further message. */
const UNSUBSCRIBED_RECIPIENT = 21610;

/**
 * An estimate only: Twilio's list price of one outbound segment to a US number, in micro-dollars. Prices
 * vary by destination; the preview says "estimate".
 */
export const SMS_SEGMENT_PRICE_MICROS = 8_300;

export const smsBulkSending: BulkSending = {
  async limits(trx, channelId) {
    const number = await trx
      .selectFrom('twilioNumbers')
      .select('id')
      .where('id', '=', channelId)
      .where('sms', '=', true)
      .executeTakeFirst();
    // One segment a second per long code (sms-adapter.ts); no daily cap of unique recipients.
    return number ? { messagesPerSecond: 1, dailyRecipients: null } : undefined;
  },
  failureAction: (code) => (code === UNSUBSCRIBED_RECIPIENT ? 'opted_out' : 'recipient_failed'),
  textCost(text) {
    const { segments } = smsSegments(text);
    return { segments, estimateMicros: segments * SMS_SEGMENT_PRICE_MICROS, currency: 'USD' };
  },
};
