/**
 * The account pages' paths (auth/account-pages.tsx, loaded when first shown): the mails' and CLI's links
 * (`…#token=`), the forgotten-password request and sign-up.
 */
export const ACCOUNT_PATHS = [
  '/forgot-password',
  '/signup',
  '/accept-invitation',
  '/reset-password',
  '/verify-email',
] as const;
