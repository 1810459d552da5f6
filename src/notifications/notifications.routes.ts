import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { pageBody, ZCursor } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import {
  getNotification,
  listNotifications,
  markNotificationsRead,
  notificationPreferences,
  setNotificationPreferences,
  unreadNotificationCount,
} from './notifications.service.js';
import { NOTIFICATION_KINDS, NOTIFICATION_SUBJECT_TYPES, type Notification } from './notifications.table.js';

const ZNotification = z
  .object({
    id: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    subject: z.object({ type: z.enum(NOTIFICATION_SUBJECT_TYPES), id: z.uuid() }),
    title: z.string(),
    browser: z.boolean(),
    readAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Notification' });

const ZPreference = z
  .strictObject({ kind: z.enum(NOTIFICATION_KINDS), inApp: z.boolean(), browser: z.boolean() })
  .meta({ id: 'NotificationPreference' });

function toNotification(row: Notification): z.infer<typeof ZNotification> {
  return {
    id: row.id,
    kind: row.kind,
    subject: { type: row.subjectType, id: row.subjectId },
    title: row.title,
    browser: row.browser,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

// Notifications are a person's: an API key has none.
const own = { permission: 'conversations.read' } as const;
const errors = errorResponses(400, 401, 403, 404);
const ZId = z.strictObject({ id: z.uuid() });

function signedInUser(request: Parameters<typeof tenantActor>[0]): { tenantId: string; userId: string } {
  const { tenantId, userId } = tenantActor(request);
  if (!userId) throw new AppError('forbidden', 'Notifications belong to signed-in users');
  return { tenantId, userId };
}

/** The signed-in member's notifications (the bell) and their preferences. */
export const notificationsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/notifications',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: "The signed-in member's notifications, newest first, with the unread count",
        querystring: z.strictObject({
          cursor: ZCursor.optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          unread: z.enum(['true', 'false']).optional(),
        }),
        response: {
          200: z.object({
            items: z.array(ZNotification),
            nextCursor: z.string().nullable(),
            unread: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId, userId } = signedInUser(request);
      const page = await listNotifications(db, tenantId, userId, {
        limit: request.query.limit,
        after: request.query.cursor,
        unreadOnly: request.query.unread === 'true',
      });
      return { ...pageBody(page, toNotification), unread: page.unread };
    },
  );

  app.get(
    '/api/v1/notifications/unread-count',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: 'How many notifications the signed-in member has not read',
        response: { 200: z.object({ unread: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId, userId } = signedInUser(request);
      return { unread: await unreadNotificationCount(db, tenantId, userId) };
    },
  );

  app.get(
    '/api/v1/notifications/preferences',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: 'Which kinds the signed-in member receives, in the app and in the browser',
        response: { 200: z.object({ items: z.array(ZPreference) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId, userId } = signedInUser(request);
      return { items: await notificationPreferences(db, tenantId, userId) };
    },
  );

  app.put(
    '/api/v1/notifications/preferences',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: 'Change the signed-in member’s preferences (the kinds given; others are kept)',
        body: z.strictObject({
          items: z
            .array(ZPreference)
            .max(NOTIFICATION_KINDS.length)
            .refine((items) => new Set(items.map((item) => item.kind)).size === items.length, 'a kind twice'),
        }),
        response: { 200: z.object({ items: z.array(ZPreference) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId, userId } = signedInUser(request);
      return { items: await setNotificationPreferences(db, tenantId, userId, request.body.items) };
    },
  );

  app.post(
    '/api/v1/notifications/read-all',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: "Mark all the signed-in member's notifications read",
        response: { 200: z.object({ marked: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId, userId } = signedInUser(request);
      return { marked: await markNotificationsRead(db, tenantId, userId) };
    },
  );

  app.get(
    '/api/v1/notifications/:id',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: 'One of the signed-in member’s notifications',
        params: ZId,
        response: { 200: ZNotification, ...errors },
      },
    },
    async (request) => {
      const { tenantId, userId } = signedInUser(request);
      return toNotification(await getNotification(db, tenantId, userId, request.params.id));
    },
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      config: { access: own },
      schema: {
        tags: ['notifications'],
        summary: 'Mark one notification read',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = signedInUser(request);
      await markNotificationsRead(db, tenantId, userId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
