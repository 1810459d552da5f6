import { queueMail } from '../mail/mail.task.js';
import type { Config } from '../platform/config/config.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/** The page that reads the token from the fragment (never sent to servers or logged) and accepts it. */
export function invitationLink(publicUrl: string, token: string): string {
  return `${publicUrl}/accept-invitation#token=${token}`;
}

/** Queues the invitation mail in the transaction that creates the invitation. */
export async function queueInvitationMail(
  trx: TenantTransaction,
  config: Config,
  input: { to: string; workspaceName: string; role: string; token: string; requestId: string },
): Promise<void> {
  await queueMail(
    trx,
    config.secretKey,
    {
      to: input.to,
      subject: 'You are invited to a Leadline workspace',
      text: [
        `You have been invited to join the workspace "${input.workspaceName}" on Leadline as ${input.role}.`,
        '',
        'Accept the invitation (the link works once and expires in 7 days):',
        invitationLink(config.http.publicUrl, input.token),
        '',
        'If you did not expect this, ignore this mail.',
      ].join('\n'),
    },
    { requestId: input.requestId },
  );
}
