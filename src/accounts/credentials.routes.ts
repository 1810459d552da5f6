import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { requestContext } from '../platform/http/request-context.js';
import { ZMailedToken } from './account-fields.js';
import type { AccountLimiters } from './attempt-limiter.js';
import { ZEmail } from './email-address.js';
import {
  confirmEmailToken,
  requestEmailChange,
  requestEmailVerification,
} from './email-verification.service.js';
import { changePassword } from './password-change.service.js';
import { sessionPrincipal } from './session-principal.js';

const errors = errorResponses(400, 401, 403, 409, 429, 503);
const ZAccepted = z.object({ status: z.literal('accepted') });

/** Password change, address change and e-mail verification of the signed-in user. */
export const credentialsRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  limiters: AccountLimiters;
}> = async (app, { db, config, limiters }) => {
  app.post(
    '/api/v1/auth/password',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Change the password (recent sign-in and the current password); other sessions end',
        body: z.strictObject({
          currentPassword: z.string().min(1).max(1024),
          newPassword: z.string().min(1).max(1024),
        }),
        response: { 200: z.object({ otherSessionsRevoked: z.number().int() }), ...errors },
      },
    },
    async (request) =>
      changePassword(
        { db, config, limiter: limiters.password },
        sessionPrincipal(request),
        request.body,
        requestContext(request),
      ),
  );

  app.post(
    '/api/v1/auth/email',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary:
          'Change the e-mail address: takes effect when the link mailed to the new address is followed',
        body: z.strictObject({ email: ZEmail }),
        response: { 202: ZAccepted, ...errors },
      },
    },
    async (request, reply) => {
      await requestEmailChange(
        { db, config, mailLimiter: limiters.mail },
        sessionPrincipal(request),
        request.body.email,
        requestContext(request),
      );
      reply.code(202);
      return { status: 'accepted' as const };
    },
  );

  app.post(
    '/api/v1/auth/verify-email/request',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['auth'],
        summary: 'Mail a new link to confirm the current address',
        response: { 202: ZAccepted, ...errors },
      },
    },
    async (request, reply) => {
      await requestEmailVerification(
        { db, config, mailLimiter: limiters.mail },
        sessionPrincipal(request),
        requestContext(request),
      );
      reply.code(202);
      return { status: 'accepted' as const };
    },
  );

  app.post(
    '/api/v1/auth/verify-email',
    {
      config: { access: 'public', rateLimit: 'auth' },
      schema: {
        tags: ['auth'],
        summary: 'Follow a mailed link: confirms the address, or completes an address change',
        body: z.strictObject({ token: ZMailedToken }),
        response: { 200: z.object({ outcome: z.enum(['verified', 'changed']) }), ...errors },
      },
    },
    async (request) =>
      confirmEmailToken(
        { db, config, mailLimiter: limiters.mail },
        request.body.token,
        requestContext(request),
      ),
  );
};
