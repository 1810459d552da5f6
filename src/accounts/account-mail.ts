import { queueMail } from '../mail/mail.task.js';
import type { Db } from '../platform/db/database.js';

/**
 * The account mails. Links carry their token in the URL fragment (`#token=`), which browsers never send
 * to a server: it cannot leak through access logs or the Referer header (ASVS 14.2.1). Subjects are
 * fixed strings; user input never reaches a header.
 */
export interface AccountMailContext {
  secretKey: string;
  publicUrl: string;
  requestId: string;
}

const SIGNATURE = '\n\n-- \nLeadline\n';

export function linkWithToken(publicUrl: string, path: string, token: string): string {
  return `${publicUrl}${path}#token=${encodeURIComponent(token)}`;
}

export async function mailPasswordReset(db: Db, ctx: AccountMailContext, to: string, token: string) {
  const link = linkWithToken(ctx.publicUrl, '/reset-password', token);
  await queueMail(
    db,
    ctx.secretKey,
    {
      to,
      subject: 'Reset your Leadline password',
      text: `Someone asked to reset the password of your Leadline account.\n\nTo choose a new password, open this link within 30 minutes:\n${link}\n\nIf it was not you, ignore this mail: your password stays as it is.${SIGNATURE}`,
    },
    ctx,
  );
}

export async function mailEmailVerification(db: Db, ctx: AccountMailContext, to: string, token: string) {
  const link = linkWithToken(ctx.publicUrl, '/verify-email', token);
  await queueMail(
    db,
    ctx.secretKey,
    {
      to,
      subject: 'Confirm your e-mail address for Leadline',
      text: `Please confirm that this address belongs to your Leadline account by opening this link within 24 hours:\n${link}${SIGNATURE}`,
    },
    ctx,
  );
}

export async function mailEmailChange(db: Db, ctx: AccountMailContext, to: string, token: string) {
  const link = linkWithToken(ctx.publicUrl, '/verify-email', token);
  await queueMail(
    db,
    ctx.secretKey,
    {
      to,
      subject: 'Confirm your new e-mail address for Leadline',
      text: `Your Leadline account asked to use this address from now on.\n\nTo confirm, open this link within 1 hour:\n${link}\n\nUntil you do, nothing changes.${SIGNATURE}`,
    },
    ctx,
  );
}

const NOTICES = {
  password_changed: [
    'Your Leadline password was changed',
    'The password of your Leadline account was changed.',
  ],
  password_reset: [
    'Your Leadline password was reset',
    'The password of your Leadline account was reset through a mailed link, and every session was signed out.',
  ],
  two_factor_enabled: [
    'Two-factor authentication is on',
    'Two-factor authentication was turned on for your Leadline account.',
  ],
  two_factor_disabled: [
    'Two-factor authentication is off',
    'Two-factor authentication was turned off for your Leadline account.',
  ],
  recovery_codes_regenerated: [
    'New recovery codes',
    'New two-factor recovery codes were made for your Leadline account; the old ones no longer work.',
  ],
  two_factor_reset: [
    'Two-factor authentication was reset',
    'An operator of your Leadline installation turned two-factor authentication off for your account, and every session was signed out. Sign in with your password and turn it on again.',
  ],
  email_change_requested: [
    'Your Leadline e-mail address is being changed',
    'Someone signed in to your Leadline account asked to move it to another e-mail address. It changes only once that address confirms.',
  ],
  email_changed: [
    'Your Leadline e-mail address was changed',
    'Your Leadline account now uses another e-mail address; mail about it no longer comes here.',
  ],
} as const;
export type SecurityNotice = keyof typeof NOTICES;

/** Tells the owner of an account that its credentials changed (ASVS 6.3.7). */
export async function mailSecurityNotice(
  db: Db,
  ctx: AccountMailContext,
  to: string,
  notice: SecurityNotice,
) {
  const [subject, body] = NOTICES[notice];
  await queueMail(
    db,
    ctx.secretKey,
    {
      to,
      subject,
      text: `${body}\n\nIf this was not you, reset your password at once and contact your workspace owner.${SIGNATURE}`,
    },
    ctx,
  );
}
