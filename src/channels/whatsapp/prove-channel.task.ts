import { sql } from 'kysely';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { defineTask } from '../../platform/jobs/task.js';
import { GraphApiError } from './graph-api.client.js';
import type { WhatsappOutbound } from './outbound-runtime.js';
import { proveChannelTask } from './task-refs.js';

export const NOT_CONFIRMED = 'Meta did not confirm that the access token controls this phone number id';
export const PROVEN_ELSEWHERE = 'Another channel has proven control of this phone number id';

/**
 * Proves a channel's claim on its phone number: `GET /{phone-number-id}` with the channel's token, which
 * Meta answers only for a token that controls that number. Proven, the channel holds the number
 * exclusively (a unique index over proven, enabled channels); unproven, it works but blocks nobody. The
 * proof runs here, in a job, so that connecting a number answers the same whatever other workspaces did:
 * no status, message or timing of the API depends on them (issue 11 item 2, ADR 0018). Only a workspace
 * whose token Meta accepted for the number can learn that another one proved it too.
 */
export function createProveChannelTask(outbound: WhatsappOutbound) {
  return defineTask({
    ...proveChannelTask,
    async handle({ channelId }, ctx) {
      const channel = await ctx.withTenant((trx) =>
        trx
          .selectFrom('whatsappChannels')
          .select(['id', 'phoneNumberId', 'accessTokenSealed', 'verifiedAt'])
          .where('id', '=', channelId)
          .executeTakeFirst(),
      );
      if (!channel || channel.verifiedAt) return;
      const record = (change: { verifiedAt: Date | null; verificationError: string | null }) =>
        ctx.withTenant((trx) =>
          trx
            .updateTable('whatsappChannels')
            .set({ ...change, updatedAt: sql`now()` })
            .where('id', '=', channelId)
            // The token proven is the token stored: a newer one waits for its own proof.
            .where('accessTokenSealed', '=', channel.accessTokenSealed)
            .execute(),
        );
      let confirmed: boolean;
      try {
        const number = await outbound.graph.phoneNumber({
          id: channel.id,
          phoneNumberId: channel.phoneNumberId,
          accessToken: outbound.openAccessToken(channel.accessTokenSealed),
        });
        confirmed = number.id === channel.phoneNumberId;
      } catch (error) {
        // Meta down or throttling: the job tries again. Any answer of Meta's own refuses the claim.
        if (!(error instanceof GraphApiError) || error.action === 'retry') throw error;
        confirmed = false;
      }
      if (!confirmed) {
        await record({ verifiedAt: null, verificationError: NOT_CONFIRMED });
        return;
      }
      try {
        await record({ verifiedAt: new Date(), verificationError: null });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await record({ verifiedAt: null, verificationError: PROVEN_ELSEWHERE });
      }
    },
  });
}
