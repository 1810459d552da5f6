import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountLimiters } from '../accounts/attempt-limiter.js';
import { ZEmail } from '../accounts/email-address.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { requestContext } from '../platform/http/request-context.js';
import { ZDisplayName, ZNewPassword, ZWorkspaceName } from './fields.js';
import { signUp, signupClosed } from './signup.service.js';

const ZSignUpAccepted = z
  .object({ status: z.literal('accepted'), message: z.string() })
  .meta({ id: 'SignUpAccepted' });

/**
 * Open sign-up (OPEN_SIGNUP=true). The route exists either way, so the route table does not depend on
 * configuration; with sign-up closed it answers 404 before reading anything.
 */
export const signupRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  limiters: Pick<AccountLimiters, 'existingAccountMail'>;
}> = async (app, { db, config, limiters }) => {
  app.post(
    '/api/v1/auth/signup',
    {
      config: { access: 'public', rateLimit: 'public-form' },
      // Before body validation, so a closed sign-up is 404 for every request, valid or not.
      onRequest: async () => {
        if (!config.accounts.openSignup) throw signupClosed();
      },
      schema: {
        tags: ['auth'],
        summary: 'Create an account and a workspace (only with OPEN_SIGNUP=true)',
        body: z.strictObject({
          email: ZEmail,
          password: ZNewPassword,
          displayName: ZDisplayName,
          workspaceName: ZWorkspaceName,
        }),
        response: { 202: ZSignUpAccepted, 400: ZErrorEnvelope, 404: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      await signUp(db, config, limiters, { ...request.body, context: requestContext(request) });
      reply.code(202).header('cache-control', 'no-store');
      // The same answer whether or not the address had an account (ASVS 6.3.8).
      return {
        status: 'accepted' as const,
        message: 'Check your mailbox: we sent a message to continue.',
      };
    },
  );
};
