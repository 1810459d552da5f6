import { queueMail } from '../mail/mail.task.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';

/**
 * Sign-up answers every address the same way (ASVS 6.3.8); what differs is only this mail, which reaches
 * the address's owner and nobody else.
 */
export async function queueExistingAccountMail(
  db: Db,
  config: Config,
  input: { to: string; requestId: string },
): Promise<void> {
  await queueMail(
    db,
    config.secretKey,
    {
      to: input.to,
      subject: 'You already have a Leadline account',
      text: [
        'Someone (probably you) tried to sign up for Leadline with this address, which already has an account.',
        '',
        `Sign in at ${config.http.publicUrl}/login, or reset your password there if you forgot it.`,
        'If you never created that account (someone else may have, without confirming the address),',
        'reset its password there: the reset link proves this address is yours and hands the account to you.',
        '',
        'If it was not you, you can ignore this mail: nothing was changed.',
      ].join('\n'),
    },
    { requestId: input.requestId },
  );
}
