import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZEmail } from '../accounts/email-address.js';
import { ROLES } from '../accounts/permissions.js';
import { SESSION_COOKIE, sessionCookieOptions } from '../accounts/session-tokens.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { errorResponses, ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { requestContext } from '../platform/http/request-context.js';
import { ZDisplayName, ZNewPassword } from './fields.js';
import type { InvitationSummary } from './invitations.repository.js';
import {
  acceptAsNewUser,
  acceptAsSignedInUser,
  cancelInvitation,
  inviteMember,
  pendingInvitations,
} from './invitations.service.js';
import { memberActor } from './member-actor.js';

const ZInvitation = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(ROLES),
    invitedBy: z.uuid().nullable(),
    expiresAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Invitation' });

const ZAccepted = z
  .object({ tenantId: z.uuid(), userId: z.uuid(), role: z.enum(ROLES) })
  .meta({ id: 'AcceptedInvitation' });

// randomToken(32) is 43 base64url characters; the bounds only keep junk out.
const ZToken = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/);
const errors = errorResponses(400, 401, 403, 404);

function toInvitation(invitation: InvitationSummary): z.infer<typeof ZInvitation> {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy,
    expiresAt: invitation.expiresAt.toISOString(),
    createdAt: invitation.createdAt.toISOString(),
  };
}

/**
 * Invitations. Accepting has two endpoints, one rule: an address without an account accepts publicly
 * with a new password (the link proves the mailbox); an address with an account accepts while signed in
 * as that account, so a link alone never grants access to an existing account.
 */
export const invitationsRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  app.post(
    '/api/v1/invitations',
    {
      config: { access: { permission: 'members.manage' } },
      schema: {
        tags: ['workspace'],
        summary: 'Invite someone by e-mail (single-use link, valid 7 days; replaces pending ones)',
        body: z.strictObject({ email: ZEmail, role: z.enum(ROLES) }),
        response: { 201: ZInvitation, ...errors, 409: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      const invitation = await inviteMember(db, config, memberActor(request), request.body);
      reply.code(201);
      return toInvitation(invitation);
    },
  );

  app.get(
    '/api/v1/invitations',
    {
      config: { access: { permission: 'members.manage' } },
      schema: {
        tags: ['workspace'],
        summary: 'Pending invitations, newest first',
        response: { 200: z.object({ items: z.array(ZInvitation) }), ...errors },
      },
    },
    async (request) => {
      const items = await pendingInvitations(db, memberActor(request).tenantId);
      return { items: items.map(toInvitation) };
    },
  );

  app.delete(
    '/api/v1/invitations/:id',
    {
      config: { access: { permission: 'members.manage' } },
      schema: {
        tags: ['workspace'],
        summary: 'Revoke a pending invitation',
        params: z.strictObject({ id: z.uuid() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await cancelInvitation(db, memberActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/invitations/accept',
    {
      config: { access: 'public', rateLimit: 'auth' },
      schema: {
        tags: ['workspace'],
        summary: 'Accept an invitation for an address with no account: creates it and signs it in',
        body: z.strictObject({ token: ZToken, password: ZNewPassword, displayName: ZDisplayName.optional() }),
        response: { 201: ZAccepted.extend({ csrfToken: z.string() }), ...errors, 409: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      const accepted = await acceptAsNewUser(db, config, {
        token: request.body.token,
        password: request.body.password,
        displayName: request.body.displayName ?? null,
        context: requestContext(request),
      });
      const session = accepted.session;
      if (!session) throw new AppError('internal_error', 'The new account was not signed in');
      reply
        .setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(session.maxAgeMs))
        .header('cache-control', 'no-store')
        .code(201);
      return {
        tenantId: accepted.tenantId,
        userId: accepted.userId,
        role: accepted.role,
        csrfToken: session.csrfToken,
      };
    },
  );

  app.post(
    '/api/v1/invitations/accept-signed-in',
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ['workspace'],
        summary: 'Accept an invitation as the signed-in user (who must own the invited address)',
        body: z.strictObject({ token: ZToken }),
        response: { 200: ZAccepted, ...errors },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal?.kind !== 'session') throw new AppError('forbidden', 'Sign in first');
      const accepted = await acceptAsSignedInUser(db, {
        token: request.body.token,
        userId: principal.userId,
        context: requestContext(request),
      });
      return { tenantId: accepted.tenantId, userId: accepted.userId, role: accepted.role };
    },
  );
};
