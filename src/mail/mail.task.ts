import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SecretBox } from '../platform/crypto/secret-box.js';
import type { Db } from '../platform/db/database.js';
import { enqueueSystem } from '../platform/jobs/enqueue.js';
import { defineTask, type TaskReference } from '../platform/jobs/task.js';
import type { Mailer } from './mailer.js';
import { type TMailMessage, ZMailMessage } from './message.js';

const SEAL_PURPOSE = 'mail-job';

/**
 * The stored payload is the message sealed with the secret box: mails carry one-time links and
 * addresses, and job rows must hold neither in clear (tokens are stored hashed everywhere else).
 */
const ZMailJob = z.object({ sealed: z.string().min(1).max(200_000) });

/** The task's identity, for enqueueing; the handler is built with its mailer by `createMailTask`. */
export const MAIL_TASK = {
  id: 'mail.send',
  scope: 'system',
  schema: ZMailJob,
  // graphile-worker's backoff (exp(min(attempt, 10)) s) spreads 25 attempts over about three days.
  maxAttempts: 25,
} as const satisfies TaskReference<typeof ZMailJob, 'system'>;

/** The `mail.send` task: a system task (account mail belongs to no tenant), retried until delivered. */
export function createMailTask(deps: { mailer: Mailer; secretKey: string }) {
  const box = new SecretBox(deps.secretKey, SEAL_PURPOSE);
  return defineTask({
    ...MAIL_TASK,
    async handle(payload, ctx) {
      const message = ZMailMessage.parse(JSON.parse(box.open(payload.sealed)));
      await deps.mailer.send(message);
      ctx.logger.info({ mailId: message.id, transport: deps.mailer.transport }, 'mail delivered');
    },
  });
}

/**
 * Queues a mail in the caller's transaction: it is sent if and only if the change that caused it
 * commits, and retried until the transport accepts it. Throws on a header-unsafe subject.
 */
export async function queueMail(
  trx: Db,
  secretKey: string,
  message: Omit<TMailMessage, 'id'>,
  options: { requestId: string },
): Promise<{ mailId: string }> {
  const full = ZMailMessage.parse({ ...message, id: randomUUID() });
  const sealed = new SecretBox(secretKey, SEAL_PURPOSE).seal(JSON.stringify(full));
  await enqueueSystem(trx, MAIL_TASK, { sealed }, { requestId: options.requestId });
  return { mailId: full.id };
}
