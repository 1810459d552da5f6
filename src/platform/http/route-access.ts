import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Authenticate } from '../../accounts/authenticate.js';
import { type Permission, roleAllows, type Scope, scopesAllow } from '../../accounts/permissions.js';
import type { Principal, SessionPrincipal } from '../../accounts/principal.js';
import { CSRF_HEADER, csrfTokenFor, SESSION_COOKIE } from '../../accounts/session-tokens.js';
import { constantTimeEqual } from '../crypto/tokens.js';
import { AppError } from './app-error.js';

/**
 * How a route is reached. Every route declares one in `config.access`; a route without one answers 401.
 * - `public`: anyone.
 * - `metrics-token`: the METRICS_TOKEN as a bearer token.
 * - `operator-token`: the instance operator's OPERATOR_API_TOKEN as a bearer token (not a workspace member).
 * - `{ signedIn: true }`: a signed-in user (session cookie), with or without a tenant; `allowMfaPending`
 *   admits a session that still owes its second factor (only the second-factor step itself).
 * - `{ permission, apiKeyScope? }`: a member of the session's tenant whose role has the permission, or,
 *   when `apiKeyScope` is given, an API key of a tenant with that scope.
 * Cookie-authenticated requests that change state must carry the session's CSRF token.
 */
export type RouteAccess =
  | 'public'
  | 'metrics-token'
  | 'operator-token'
  | { signedIn: true; allowMfaPending?: boolean }
  | { permission: Permission; apiKeyScope?: Scope };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    routeCatalog(): readonly CatalogEntry[];
    /** The routes that take a `cursor` query parameter (list endpoints), e.g. for the cursor fuzz test. */
    pagedRoutes(): readonly { method: string; url: string }[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface CatalogEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

export interface RouteAccessOptions {
  metricsToken: string | undefined;
  operatorToken?: string | undefined;
  secretKey: string;
  /** Origins allowed to make cookie-authenticated state changes (PUBLIC_URL's and CORS_ORIGINS). */
  trustedOrigins: readonly string[];
  authenticate: Authenticate;
  /** Counts rejected CSRF attempts (a security metric). */
  onCsrfFailure?: () => void;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function routeAccess(app: FastifyInstance, options: RouteAccessOptions) {
  const metricsToken = options.metricsToken ? Buffer.from(options.metricsToken) : undefined;
  const operatorToken = options.operatorToken ? Buffer.from(options.operatorToken) : undefined;
  const routes: { url: string; methods: string[]; route: RouteOptions }[] = [];
  // Access is read lazily: hooks of child contexts (markRoutesPublic) run after this one and may still set
  // it. The URL is copied now: for a prefix's '/' route Fastify reuses the options object and rewrites its
  // url to the trailing-slash variant after this hook has run.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? [...route.method] : [route.method];
    routes.push({ url: route.url, methods, route });
  });
  app.decorate('routeCatalog', () =>
    routes.flatMap(({ url, methods, route }) =>
      methods.map((method) => ({ method, url, access: route.config?.access })),
    ),
  );
  app.decorate('pagedRoutes', () =>
    routes.flatMap(({ url, methods, route }) =>
      takesCursor(route.schema?.querystring) ? methods.map((method) => ({ method, url })) : [],
    ),
  );
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (!access) throw new AppError('unauthenticated', 'Authentication required');
    if (access === 'public') return;
    if (access === 'metrics-token' || access === 'operator-token') {
      if (!bearerMatches(request, access === 'metrics-token' ? metricsToken : operatorToken))
        throw new AppError('unauthenticated', 'Missing or invalid bearer token');
      return;
    }

    const principal = await options.authenticate({
      sessionToken: request.cookies?.[SESSION_COOKIE],
      bearer: bearerOf(request),
      ip: request.ip,
    });
    if (!principal) throw new AppError('unauthenticated', 'Authentication required');
    request.principal = principal;

    if (principal.kind === 'session') {
      if (principal.mfaPending && !('signedIn' in access && access.allowMfaPending)) {
        throw new AppError('unauthenticated', 'Two-factor authentication is not complete');
      }
      if (!SAFE_METHODS.has(request.method)) checkCsrf(request, principal, options);
    }

    if ('signedIn' in access) {
      if (principal.kind !== 'session')
        throw new AppError('forbidden', 'This endpoint needs a signed-in user');
      return;
    }
    if (principal.kind === 'api-key') {
      if (!access.apiKeyScope || !scopesAllow(principal.scopes, access.apiKeyScope)) {
        throw new AppError('forbidden', 'The API key lacks the scope this endpoint needs');
      }
      return;
    }
    if (!principal.tenantId || !principal.role) throw new AppError('forbidden', 'Choose a workspace first');
    if (principal.tenantRequiresTwoFactor && !principal.twoFactorEnabled) {
      throw new AppError('forbidden', 'This workspace requires two-factor authentication; enable it first');
    }
    if (!roleAllows(principal.role, access.permission)) {
      throw new AppError('forbidden', 'Your role does not allow this');
    }
  });
}

/** A Zod object querystring schema with a `cursor` key. */
function takesCursor(querystring: unknown): boolean {
  const shape = (querystring as { shape?: unknown } | undefined)?.shape;
  return typeof shape === 'object' && shape !== null && 'cursor' in shape;
}

function checkCsrf(request: FastifyRequest, principal: SessionPrincipal, options: RouteAccessOptions): void {
  const origin = request.headers.origin;
  const token = request.headers[CSRF_HEADER];
  const expected = csrfTokenFor(options.secretKey, principal.sessionId);
  const originOk = origin === undefined || options.trustedOrigins.includes(origin);
  const tokenOk = typeof token === 'string' && constantTimeEqual(token, expected);
  if (!originOk || !tokenOk) {
    options.onCsrfFailure?.();
    throw new AppError('forbidden', 'Missing or invalid CSRF token');
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

function bearerMatches(request: FastifyRequest, expected: Buffer | undefined): boolean {
  const offered = Buffer.from(bearerOf(request) ?? '');
  return expected !== undefined && offered.length === expected.length && timingSafeEqual(offered, expected);
}

export const routeAccessPlugin = fp(routeAccess, { name: 'route-access', dependencies: ['@fastify/cookie'] });

/** Marks every route registered inside `app` (a child context) as public, e.g. for third-party plugins. */
export function markRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config ??= {};
    route.config.access = 'public';
  });
}
