import { notify } from '../../notifications/notify.js';
import type { ApplyHooks } from './apply.js';

/**
 * What applying an event does beyond the event's own domain, shared by the webhook routes and the apply
 * job: a Lemlist reply tells the lead's owner (an in-app notification, once per reply).
 */
export const emailEventHooks: ApplyHooks = {
  async onLemlistReply(trx, notice) {
    if (!notice.ownerUserId) return;
    await notify(trx, {
      kind: 'lemlist_reply',
      userIds: [notice.ownerUserId],
      subject: { type: 'contact', id: notice.contactId },
      title: `A lead replied to the Lemlist campaign “${notice.campaignName}”`,
      dedupeKey: `lemlist-reply:${notice.eventId}`,
    });
  },
};
