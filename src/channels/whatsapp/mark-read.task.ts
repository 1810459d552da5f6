import { defineTask } from '../../platform/jobs/task.js';
import { GraphApiError } from './graph-api.client.js';
import type { WhatsappOutbound } from './outbound-runtime.js';
import { markReadTask } from './task-refs.js';

/**
 * Tells Meta an inbound message (and every earlier one) was read. A courtesy: transient failures are
 * retried a few times by the job (markReadTask.maxAttempts), a permanent one is logged and dropped, and
 * nothing about the conversation depends on it.
 */
export function createMarkReadTask(outbound: WhatsappOutbound) {
  return defineTask({
    ...markReadTask,
    async handle({ messageId }, ctx) {
      const target = await ctx.withTenant((trx) =>
        trx
          .selectFrom('messages')
          .innerJoin('whatsappChannels', 'whatsappChannels.id', 'messages.channelId')
          .select([
            'messages.providerMessageId',
            'messages.direction',
            'messages.channelId',
            'whatsappChannels.phoneNumberId',
            'whatsappChannels.accessTokenSealed',
            'whatsappChannels.disabledAt',
            'whatsappChannels.markAsRead',
          ])
          .where('messages.id', '=', messageId)
          .executeTakeFirst(),
      );
      // The channel's setting is read again here: it may have been switched off since the job was queued.
      if (
        !target?.providerMessageId ||
        target.direction !== 'inbound' ||
        target.disabledAt ||
        !target.markAsRead
      ) {
        return;
      }
      const channel = {
        id: target.channelId,
        phoneNumberId: target.phoneNumberId,
        accessToken: outbound.openAccessToken(target.accessTokenSealed),
      };
      const started = performance.now();
      try {
        await outbound.graph.markRead(channel, target.providerMessageId);
        outbound.metrics?.graphApiDuration.observe(
          { operation: 'mark_read', outcome: 'ok' },
          seconds(started),
        );
      } catch (error) {
        if (!(error instanceof GraphApiError)) throw error;
        outbound.metrics?.graphApiDuration.observe(
          { operation: 'mark_read', outcome: error.action },
          seconds(started),
        );
        if (error.action === 'retry') throw error;
        ctx.logger.info({ messageId, code: error.code }, 'mark-as-read refused; ignored');
      }
    },
  });
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
