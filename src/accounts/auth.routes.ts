import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PAUSE_REASONS } from '../plans/plans.service.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { errorResponses, ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { requestContext } from '../platform/http/request-context.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { LimiterStore } from '../platform/rate-limit/limiter-store.js';
import { DASHBOARD_LOCALES } from './accounts.table.js';
import {
  type AuthDeps,
  describeSession,
  endOtherSessions,
  endSession,
  listSessions,
  login,
  logout,
  reauthenticate,
  switchTenant,
  type Throttled,
} from './auth.service.js';
import { ZEmail } from './email-address.js';
import { createLoginThrottle } from './login-throttle.js';
import { verifyAgainstDummy } from './passwords.js';
import { setPreferences } from './preferences.service.js';
import { sessionPrincipal as sessionOf } from './session-principal.js';
import { SESSION_COOKIE, sessionCookieOptions } from './session-tokens.js';

// Not the password policy (that applies when one is set): only a cap on what is hashed. Code points of a
// 256-character policy maximum may take up to twice as many UTF-16 units.
const ZPassword = z.string().min(1).max(1024);

const ZLocale = z.enum(DASHBOARD_LOCALES);

const ZUser = z
  .object({
    id: z.uuid(),
    email: z.string(),
    displayName: z.string().nullable(),
    twoFactorEnabled: z.boolean(),
    locale: ZLocale.nullable().describe(
      "The dashboard language chosen in My account; null follows the browser's",
    ),
  })
  .meta({ id: 'User' });
const ZTenantMembership = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(['owner', 'admin', 'agent']),
    requireTwoFactor: z.boolean(),
  })
  .meta({ id: 'TenantMembership' });
const ZSession = z
  .object({
    user: ZUser,
    activeTenant: ZTenantMembership.nullable(),
    tenants: z.array(ZTenantMembership),
    csrfToken: z.string().describe('Send as x-csrf-token on every state-changing request'),
    mfaPending: z.boolean(),
    automation: z
      .object({
        allowed: z.boolean(),
        llm: z.boolean(),
        reasons: z.array(z.enum(PAUSE_REASONS)),
        llmSpendReached: z.boolean(),
        suspendedReason: z.string().nullable(),
      })
      .nullable()
      .describe("Why the active workspace's plan pauses its bot or LLM; null while nothing is paused"),
  })
  .meta({ id: 'Session' });
const ZSessionItem = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'SessionListItem' });

const errors = errorResponses(400, 401, 403);
const signedIn = { signedIn: true } as const;
const signedInOrMfaPending = { signedIn: true, allowMfaPending: true } as const;

function throttled(reply: FastifyReply, outcome: Throttled): never {
  reply.header('retry-after', String(outcome.retryAfterSeconds));
  throw new AppError('rate_limited', 'Too many failed attempts; retry later');
}

const clearCookieOptions = { path: '/', httpOnly: true, secure: true, sameSite: 'lax' as const };

/** Sign-in, sign-out and the signed-in user's sessions, under /api/v1/auth. */
export const authRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  limiterStore: LimiterStore;
  metrics: Metrics;
}> = async (app, { db, config, limiterStore, metrics }) => {
  const deps: AuthDeps = { db, config, throttle: createLoginThrottle(limiterStore), metrics };
  // The dummy hash is computed on first use; do it now, or the first unknown address would answer slower.
  await verifyAgainstDummy('warm-up');

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public', rateLimit: 'auth' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password; sets the session cookie',
        body: z.strictObject({ email: ZEmail, password: ZPassword }),
        response: {
          200: z.object({ user: ZUser, csrfToken: z.string(), mfaRequired: z.boolean() }),
          ...errors,
          429: ZErrorEnvelope,
          503: ZErrorEnvelope,
        },
      },
    },
    async (request, reply) => {
      const outcome = await login(deps, { ...request.body, context: requestContext(request) });
      if (outcome.kind === 'throttled') return throttled(reply, outcome);
      const { session, user, mfaRequired } = outcome;
      reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(session.maxAgeMs));
      reply.header('cache-control', 'no-store');
      return { user, csrfToken: session.csrfToken, mfaRequired };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: signedInOrMfaPending },
      schema: { tags: ['auth'], summary: 'End the current session', response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      await logout(db, sessionOf(request), requestContext(request));
      reply.clearCookie(SESSION_COOKIE, clearCookieOptions);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      config: { access: signedInOrMfaPending },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user, their workspaces and the CSRF token',
        response: { 200: ZSession, ...errors },
      },
    },
    async (request, reply) => {
      const principal = sessionOf(request);
      reply.header('cache-control', 'no-store');
      return describeSession(db, config, { ...principal, activeTenantId: principal.tenantId });
    },
  );

  app.post(
    '/api/v1/auth/switch-tenant',
    {
      config: { access: signedIn },
      schema: {
        tags: ['auth'],
        summary: 'Work in another of your workspaces',
        body: z.strictObject({ tenantId: z.uuid() }),
        response: { 200: ZSession, ...errors, 404: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return switchTenant(db, config, sessionOf(request), request.body.tenantId, requestContext(request));
    },
  );

  app.patch(
    '/api/v1/auth/preferences',
    {
      config: { access: signedIn },
      schema: {
        tags: ['auth'],
        summary: 'Your own dashboard preferences: the language (null follows the browser)',
        body: z.strictObject({ locale: ZLocale.nullable() }),
        response: { 200: z.object({ locale: ZLocale.nullable() }), ...errors },
      },
    },
    async (request) => setPreferences(db, sessionOf(request).userId, { locale: request.body.locale }),
  );

  app.get(
    '/api/v1/auth/sessions',
    {
      config: { access: signedIn },
      schema: {
        tags: ['auth'],
        summary: 'Your active sessions, newest first',
        response: { 200: z.object({ items: z.array(ZSessionItem) }), ...errors },
      },
    },
    async (request) => {
      const sessions = await listSessions(db, config, sessionOf(request));
      return {
        items: sessions.map((s) => ({
          ...s,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
        })),
      };
    },
  );

  app.delete(
    '/api/v1/auth/sessions/:id',
    {
      config: { access: signedIn },
      schema: {
        tags: ['auth'],
        summary: 'End one of your sessions',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), ...errors, 404: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      const principal = sessionOf(request);
      await endSession(db, principal, request.params.id, requestContext(request));
      if (request.params.id === principal.sessionId) reply.clearCookie(SESSION_COOKIE, clearCookieOptions);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/sessions/revoke-others',
    {
      config: { access: signedIn },
      schema: {
        tags: ['auth'],
        summary: 'End all your sessions except this one',
        response: { 200: z.object({ revoked: z.number().int() }), ...errors },
      },
    },
    async (request) => ({ revoked: await endOtherSessions(db, sessionOf(request), requestContext(request)) }),
  );

  app.post(
    '/api/v1/auth/reauthenticate',
    {
      config: { access: signedIn, rateLimit: 'auth' },
      schema: {
        tags: ['auth'],
        summary: 'Confirm your password before a sensitive change; starts a new session',
        body: z.strictObject({ password: ZPassword }),
        response: {
          200: z.object({ csrfToken: z.string() }),
          ...errors,
          429: ZErrorEnvelope,
          503: ZErrorEnvelope,
        },
      },
    },
    async (request, reply) => {
      const outcome = await reauthenticate(
        deps,
        sessionOf(request),
        request.body.password,
        requestContext(request),
      );
      if (outcome.kind === 'throttled') return throttled(reply, outcome);
      reply.setCookie(SESSION_COOKIE, outcome.session.token, sessionCookieOptions(outcome.session.maxAgeMs));
      return { csrfToken: outcome.session.csrfToken };
    },
  );
};
