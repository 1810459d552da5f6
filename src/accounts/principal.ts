import type { Role, Scope } from './permissions.js';

/** Who is calling, as established by the access check before any handler runs. */
export type Principal = SessionPrincipal | ApiKeyPrincipal;

export interface SessionPrincipal {
  readonly kind: 'session';
  readonly sessionId: string;
  readonly userId: string;
  /** The tenant the session works in; null until the user picks one. */
  readonly tenantId: string | null;
  /** The user's role in `tenantId`, from the membership (null without a tenant). */
  readonly role: Role | null;
  readonly mfaPending: boolean;
  readonly twoFactorEnabled: boolean;
  /** The tenant requires two-factor authentication of its members. */
  readonly tenantRequiresTwoFactor: boolean;
  readonly authenticatedAt: Date;
}

export interface ApiKeyPrincipal {
  readonly kind: 'api-key';
  readonly apiKeyId: string;
  readonly tenantId: string;
  readonly scopes: readonly Scope[];
}

/** What audit entries and services need to know about the caller and its request. */
export interface RequestContext {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string | undefined;
}
