import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { requestContext } from '../platform/http/request-context.js';
import { ZMailedToken, ZRecoveryCode, ZTotpCode } from './account-fields.js';
import type { AccountLimiters } from './attempt-limiter.js';
import { ZEmail } from './email-address.js';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.service.js';
import { DEVICE_COOKIE } from './trusted-device.js';

const errors = errorResponses(400, 429, 503);
/** The same body whatever happened: it must not tell whether the address has an account (ASVS 6.3.8). */
const RESET_ANSWERS = {
  queued: 'If this address belongs to an account, a link to reset its password is on its way.',
  recently_sent:
    'If this address belongs to an account, links to reset its password were mailed to it within the last 30 minutes and still work: use the newest one. A new link can be sent after that.',
} as const;

export const passwordResetRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  limiters: AccountLimiters;
}> = async (app, { db, config, limiters }) => {
  const deps = {
    db,
    config,
    limiter: limiters.twoFactor,
    resetPerRequester: limiters.resetPerRequester,
    resetPerAddress: limiters.resetPerAddress,
  };

  app.post(
    '/api/v1/auth/password-reset',
    {
      config: { access: 'public', rateLimit: 'auth' },
      schema: {
        tags: ['auth'],
        summary: 'Mail a password reset link (the answer is the same for unknown addresses)',
        body: z.strictObject({ email: ZEmail }),
        response: { 202: z.object({ status: z.literal('accepted'), message: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const outcome = await requestPasswordReset(deps, request.body.email, requestContext(request));
      reply.code(202);
      return { status: 'accepted' as const, message: RESET_ANSWERS[outcome] };
    },
  );

  app.post(
    '/api/v1/auth/password-reset/confirm',
    {
      config: { access: 'public', rateLimit: 'auth' },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the mailed token (plus a code when two-factor is on)',
        body: z.strictObject({
          token: ZMailedToken,
          password: z.string().min(1).max(1024),
          totpCode: ZTotpCode.optional(),
          recoveryCode: ZRecoveryCode.optional(),
        }),
        response: { 200: z.object({ status: z.literal('ok') }), ...errors },
      },
    },
    async (request, reply) => {
      const { token, password, totpCode, recoveryCode } = request.body;
      await confirmPasswordReset(
        deps,
        { token, password, code: totpCode, recoveryCode, deviceToken: request.cookies[DEVICE_COOKIE] },
        requestContext(request),
      );
      reply.header('cache-control', 'no-store');
      return { status: 'ok' as const };
    },
  );
};
