import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { requestContext, tenantActor } from '../platform/http/request-context.js';
import { ZSecondFactorProof, ZTotpCode } from './account-fields.js';
import type { AccountLimiters } from './attempt-limiter.js';
import { sessionPrincipal } from './session-principal.js';
import { SESSION_COOKIE, sessionCookieOptions } from './session-tokens.js';
import { DEVICE_COOKIE, deviceCookieOptions, deviceTokenToSet } from './trusted-device.js';
import {
  completeSecondFactor,
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  setTenantTwoFactorRequirement,
  startTwoFactorSetup,
  twoFactorStatus,
} from './two-factor.service.js';

const errors = errorResponses(400, 401, 403, 409, 429, 503);

/** The device cookie the request carries: it selects the attempt counter (see `attemptKey`). */
export function deviceTokenOf(request: FastifyRequest): string | undefined {
  return request.cookies[DEVICE_COOKIE];
}

/** After a passed second factor: this browser becomes a trusted device of the user. */
export function trustDevice(request: FastifyRequest, reply: FastifyReply, secretKey: string, userId: string) {
  const token = deviceTokenToSet(secretKey, userId, deviceTokenOf(request));
  if (token) reply.setCookie(DEVICE_COOKIE, token, deviceCookieOptions);
}
const ZAccepted = z.object({ status: z.literal('ok') });

/** TOTP enrolment, the second sign-in step, and the owner's "require two-factor" switch. */
export const twoFactorRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  limiters: AccountLimiters;
}> = async (app, { db, config, limiters }) => {
  const deps = { db, config, limiter: limiters.twoFactor };

  app.get(
    '/api/v1/auth/two-factor',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Whether two-factor authentication is on, and how many recovery codes are left',
        response: { 200: z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int() }), ...errors },
      },
    },
    async (request) => twoFactorStatus(deps, sessionPrincipal(request)),
  );

  app.post(
    '/api/v1/auth/two-factor/setup',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Start TOTP enrolment (needs a recent sign-in); confirm with /two-factor/enable',
        response: {
          200: z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const result = await startTwoFactorSetup(deps, sessionPrincipal(request), requestContext(request));
      reply.header('cache-control', 'no-store');
      return result;
    },
  );

  app.post(
    '/api/v1/auth/two-factor/enable',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Confirm enrolment with a code; returns 10 single-use recovery codes, shown once',
        body: z.strictObject({ code: ZTotpCode }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = sessionPrincipal(request);
      const result = await enableTwoFactor(
        deps,
        principal,
        { code: request.body.code, deviceToken: deviceTokenOf(request) },
        requestContext(request),
      );
      trustDevice(request, reply, config.secretKey, principal.userId);
      reply.header('cache-control', 'no-store');
      return result;
    },
  );

  app.post(
    '/api/v1/auth/two-factor/disable',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Turn two-factor authentication off (recent sign-in and a code or recovery code)',
        body: ZSecondFactorProof,
        response: { 200: ZAccepted, ...errors },
      },
    },
    async (request) => {
      await disableTwoFactor(
        deps,
        sessionPrincipal(request),
        { ...request.body, deviceToken: deviceTokenOf(request) },
        requestContext(request),
      );
      return { status: 'ok' as const };
    },
  );

  app.post(
    '/api/v1/auth/two-factor/recovery-codes',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Replace the recovery codes (recent sign-in and a code or recovery code); shown once',
        body: ZSecondFactorProof,
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...errors },
      },
    },
    async (request, reply) => {
      const result = await regenerateRecoveryCodes(
        deps,
        sessionPrincipal(request),
        { ...request.body, deviceToken: deviceTokenOf(request) },
        requestContext(request),
      );
      reply.header('cache-control', 'no-store');
      return result;
    },
  );

  app.post(
    '/api/v1/auth/login/second-factor',
    {
      config: { access: { signedIn: true, allowMfaPending: true }, rateLimit: 'auth' },
      schema: {
        tags: ['auth'],
        summary: 'Second sign-in step: a code or recovery code; replaces the session with a new one',
        body: ZSecondFactorProof,
        response: { 200: z.object({ csrfToken: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = sessionPrincipal(request);
      const session = await completeSecondFactor(
        deps,
        principal,
        { ...request.body, deviceToken: deviceTokenOf(request) },
        requestContext(request),
      );
      trustDevice(request, reply, config.secretKey, principal.userId);
      reply
        .setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(session.maxAgeMs))
        .header('cache-control', 'no-store');
      return { csrfToken: session.csrfToken };
    },
  );

  app.patch(
    '/api/v1/tenant/security',
    {
      config: { access: { permission: 'tenant.settings' } },
      schema: {
        tags: ['tenant'],
        summary: 'Require two-factor authentication of every member (owners only)',
        body: z.strictObject({ requireTwoFactor: z.boolean() }),
        response: { 200: z.object({ requireTwoFactor: z.boolean() }), ...errors },
      },
    },
    async (request) => {
      const principal = sessionPrincipal(request);
      const { tenantId, userId, context } = tenantActor(request);
      return setTenantTwoFactorRequirement(
        deps,
        {
          tenantId,
          userId: userId ?? principal.userId,
          twoFactorEnabled: principal.twoFactorEnabled,
          context,
        },
        request.body.requireTwoFactor,
      );
    },
  );
};
