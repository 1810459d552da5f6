import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditChange } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { pageBody, ZPage, ZPageQuery } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZText } from '../platform/http/text-fields.js';
import { readInboxSettings, writeInboxSettings } from './auto-assign.js';
import { bulkAction, MAX_BULK } from './bulk-actions.service.js';
import { toInboxConversation, ZInboxConversation } from './conversation.schemas.js';
import {
  addNote,
  assignConversation,
  listNotePage,
  markConversationRead,
  setConversationLabels,
  setConversationStatus,
} from './inbox-actions.service.js';
import type { NoteView } from './notes.repository.js';
import { snoozeConversation } from './snooze.js';

const ZNote = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    authorUserId: z.uuid().nullable(),
    authorEmail: z.string().nullable(),
    text: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Note' });

function toNote(note: NoteView): z.infer<typeof ZNote> {
  return {
    id: note.id,
    conversationId: note.conversationId,
    authorUserId: note.authorUserId,
    authorEmail: note.authorEmail,
    text: note.text,
    createdAt: note.createdAt.toISOString(),
  };
}

const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'conversations.read', apiKeyScope: 'messages:read' } as const;
const write = { permission: 'conversations.write', apiKeyScope: 'messages:write' } as const;
const errors = errorResponses(400, 401, 403, 404);
const updated = { 200: ZInboxConversation, ...errors, 422: errors[400] };

/** The operator's work on a conversation: read marks, open/closed, assignment, labels, private notes. */
export const inboxRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/api/v1/conversations/:id/read',
    {
      // Read marks are a person's: an API key has none.
      config: { access: { permission: 'conversations.read' } },
      schema: {
        tags: ['conversations'],
        summary: 'Mark everything received so far as read for the signed-in user',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = tenantActor(request);
      if (!userId) throw new AppError('forbidden', 'Read marks belong to signed-in users');
      await markConversationRead(db, tenantId, userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/v1/conversations/:id/status',
    {
      config: { access: write },
      schema: {
        tags: ['conversations'],
        summary: "Close or reopen a conversation (the customer's next message reopens it)",
        params: ZId,
        body: z.strictObject({ status: z.enum(['open', 'closed']) }),
        response: updated,
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const row = await setConversationStatus(db, tenantId, actor, request.params.id, request.body.status);
      return toInboxConversation(row);
    },
  );

  app.put(
    '/api/v1/conversations/:id/assignee',
    {
      config: { access: write },
      schema: {
        tags: ['conversations'],
        summary: 'Assign a conversation to a member of the workspace, or to nobody (null)',
        params: ZId,
        body: z.strictObject({ userId: z.uuid().nullable() }),
        response: updated,
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const row = await assignConversation(db, tenantId, actor, request.params.id, request.body.userId);
      return toInboxConversation(row);
    },
  );

  app.put(
    '/api/v1/conversations/:id/labels',
    {
      config: { access: write },
      schema: {
        tags: ['conversations'],
        summary: "Set a conversation's labels (exactly these)",
        params: ZId,
        body: z.strictObject({ labelIds: z.array(z.uuid()).max(50) }),
        response: updated,
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const row = await setConversationLabels(db, tenantId, actor, request.params.id, request.body.labelIds);
      return toInboxConversation(row);
    },
  );

  app.get(
    '/api/v1/conversations/:id/notes',
    {
      config: { access: read },
      schema: {
        tags: ['conversations'],
        summary: "A conversation's private notes, oldest first",
        params: ZId,
        querystring: ZPageQuery,
        response: { 200: ZPage(ZNote), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const result = await listNotePage(db, tenantId, request.params.id, { limit, after: cursor });
      reply.header('cache-control', 'no-store');
      return pageBody(result, toNote);
    },
  );

  app.post(
    '/api/v1/conversations/:id/notes',
    {
      config: { access: write },
      schema: {
        tags: ['conversations'],
        summary: 'Add a private note (never sent to the customer, never among the messages)',
        params: ZId,
        body: z.strictObject({ text: ZText(4096) }),
        response: { 201: ZNote, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const note = await addNote(db, tenantId, actor, request.params.id, request.body.text);
      reply.code(201);
      return toNote(note);
    },
  );

  app.put(
    '/api/v1/conversations/:id/snooze',
    {
      config: { access: write },
      schema: {
        tags: ['conversations'],
        summary:
          'Snooze a conversation until a time (it leaves the open inbox and comes back then, or when the customer writes); null wakes it',
        params: ZId,
        body: z.strictObject({ until: z.iso.datetime({ offset: true }).nullable() }),
        response: updated,
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const until = request.body.until === null ? null : new Date(request.body.until);
      return toInboxConversation(await snoozeConversation(db, tenantId, actor, request.params.id, until));
    },
  );

  app.post(
    '/api/v1/conversations/bulk-actions',
    {
      config: { access: write },
      schema: {
        tags: ['conversations'],
        summary:
          'One action on up to 100 conversations at once, all or nothing: assign, add labels, close, reopen, snooze',
        body: z.strictObject({
          conversationIds: z.array(z.uuid()).min(1).max(MAX_BULK),
          action: z.discriminatedUnion('type', [
            z.strictObject({ type: z.literal('assign'), userId: z.uuid().nullable() }),
            z.strictObject({ type: z.literal('label'), labelIds: z.array(z.uuid()).min(1).max(50) }),
            z.strictObject({ type: z.literal('close') }),
            z.strictObject({ type: z.literal('reopen') }),
            z.strictObject({ type: z.literal('snooze'), until: z.iso.datetime({ offset: true }) }),
          ]),
        }),
        response: { 200: z.object({ changed: z.number().int() }), ...errors, 422: errors[400] },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { action } = request.body;
      return bulkAction(
        db,
        tenantId,
        actor,
        request.body.conversationIds,
        action.type === 'snooze' ? { type: 'snooze', until: new Date(action.until) } : action,
      );
    },
  );

  const ZInboxSettings = z.strictObject({ autoAssign: z.boolean() }).meta({ id: 'InboxSettings' });

  app.get(
    '/api/v1/inbox/settings',
    {
      config: { access: read },
      schema: {
        tags: ['conversations'],
        summary: "The workspace's inbox settings (auto-assignment of handed-off conversations)",
        response: { 200: ZInboxSettings, ...errors },
      },
    },
    async (request) => readInboxSettings(db, tenantActor(request).tenantId),
  );

  app.put(
    '/api/v1/inbox/settings',
    {
      config: { access: { permission: 'members.manage', apiKeyScope: 'admin' } },
      schema: {
        tags: ['conversations'],
        summary:
          'Turn auto-assignment on or off: conversations handed to people go round robin to members online',
        body: ZInboxSettings,
        response: { 200: ZInboxSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return withTenant(db, tenantId, async (trx) => {
        const settings = await writeInboxSettings(trx, request.body);
        await auditChange(trx, tenantId, actor, 'inbox.settings_changed', { ...settings });
        return settings;
      });
    },
  );
};
