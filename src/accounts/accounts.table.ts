import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The dashboard's languages (ADR 0045). */
export const DASHBOARD_LOCALES = ['en', 'it', 'pt-BR', 'es'] as const;
export type DashboardLocale = (typeof DASHBOARD_LOCALES)[number];

export interface UsersTable {
  id: Generated<string>;
  /** Canonical form (see canonicalEmail): the login and uniqueness key, and where mail is sent. */
  email: string;
  displayName: string | null;
  passwordHash: string;
  emailVerifiedAt: Date | null;
  /** Encrypted with the secret box; never returned by the API. */
  totpSecret: string | null;
  totpEnabledAt: Date | null;
  /** Last accepted TOTP time step: a code is usable once. */
  totpLastStep: string | null;
  passwordChangedAt: Generated<Date>;
  disabledAt: Date | null;
  /** The dashboard language chosen in My account (ADR 0045); null follows the browser. */
  locale: Generated<DashboardLocale | null>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export interface SessionsTable {
  id: Generated<string>;
  /** SHA-256 of the cookie token; the token itself is never stored. */
  tokenHash: Buffer;
  userId: string;
  /** The tenant the user is working in (switchable); null until one is chosen. */
  activeTenantId: string | null;
  /** Password accepted, second factor still owed: the session grants nothing else. */
  mfaPending: Generated<boolean>;
  /** Last time the user proved who they are (login or re-authentication). */
  authenticatedAt: Generated<Date>;
  lastSeenAt: Generated<Date>;
  expiresAt: Date;
  revokedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: Generated<Date>;
}
export type Session = Selectable<SessionsTable>;

export interface UserTokensTable {
  id: Generated<string>;
  userId: string;
  purpose: 'verify_email' | 'reset_password' | 'change_email';
  tokenHash: Buffer;
  /** The address the token was mailed to (for change_email: the new address, set on confirmation). */
  email: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Generated<Date>;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  userId: string;
  codeHash: Buffer;
  usedAt: Date | null;
  createdAt: Generated<Date>;
}
