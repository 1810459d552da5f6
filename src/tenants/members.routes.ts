import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../accounts/permissions.js';
import type { Db } from '../platform/db/database.js';
import { ZPageLimit } from '../platform/http/cursor.js';
import { errorResponses, ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { ZWorkspaceName } from './fields.js';
import { memberActor } from './member-actor.js';
import type { MemberView } from './members.repository.js';
import {
  changeMemberRole,
  currentTenant,
  membersPage,
  removeMember,
  renameCurrentTenant,
} from './members.service.js';
import type { Tenant } from './tenants.table.js';

const ZTenant = z
  .object({
    id: z.uuid(),
    name: z.string(),
    requireTwoFactor: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Workspace' });

const ZMember = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(ROLES),
    joinedAt: z.iso.datetime(),
  })
  .meta({ id: 'Member' });

const ZUserIdParams = z.strictObject({ userId: z.uuid() });
const errors = errorResponses(400, 401, 403, 404);

function toTenant(tenant: Tenant): z.infer<typeof ZTenant> {
  return {
    id: tenant.id,
    name: tenant.name,
    requireTwoFactor: tenant.requireTwoFactor,
    createdAt: tenant.createdAt.toISOString(),
  };
}

function toMember(member: MemberView): z.infer<typeof ZMember> {
  return {
    userId: member.userId,
    email: member.email,
    displayName: member.displayName,
    role: member.role,
    joinedAt: member.createdAt.toISOString(),
  };
}

/** The current workspace and its members. Session-only: API keys do not manage people. */
export const membersRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/tenant',
    {
      config: { access: { permission: 'members.read' } },
      schema: {
        tags: ['workspace'],
        summary: 'The workspace the session works in',
        response: { 200: ZTenant, ...errors },
      },
    },
    async (request) => toTenant(await currentTenant(db, memberActor(request).tenantId)),
  );

  app.patch(
    '/api/v1/tenant',
    {
      config: { access: { permission: 'tenant.settings' } },
      schema: {
        tags: ['workspace'],
        summary: 'Rename the workspace',
        body: z.strictObject({ name: ZWorkspaceName }),
        response: { 200: ZTenant, ...errors },
      },
    },
    async (request) => toTenant(await renameCurrentTenant(db, memberActor(request), request.body.name)),
  );

  app.get(
    '/api/v1/members',
    {
      config: { access: { permission: 'members.read' } },
      schema: {
        tags: ['workspace'],
        summary: 'Members of the workspace, by user id (keyset pagination)',
        querystring: z.strictObject({
          limit: ZPageLimit,
          cursor: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(ZMember), nextCursor: z.uuid().nullable() }), ...errors },
      },
    },
    async (request) => {
      const page = await membersPage(db, memberActor(request).tenantId, request.query);
      return { items: page.items.map(toMember), nextCursor: page.nextCursor };
    },
  );

  app.patch(
    '/api/v1/members/:userId',
    {
      config: { access: { permission: 'members.manage' } },
      schema: {
        tags: ['workspace'],
        summary: "Change a member's role (only owners grant or change the owner role)",
        params: ZUserIdParams,
        // Strict: a body naming anything but the role (tenantId, userId, ...) is refused (ASVS 15.3.3).
        body: z.strictObject({ role: z.enum(ROLES) }),
        response: { 204: z.null(), ...errors, 409: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      await changeMemberRole(db, memberActor(request), request.params.userId, request.body.role);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/members/:userId',
    {
      config: { access: { permission: 'members.manage' } },
      schema: {
        tags: ['workspace'],
        summary: 'Remove a member from the workspace (their account stays)',
        params: ZUserIdParams,
        response: { 204: z.null(), ...errors, 409: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      await removeMember(db, memberActor(request), request.params.userId);
      return reply.code(204).send(null);
    },
  );
};
