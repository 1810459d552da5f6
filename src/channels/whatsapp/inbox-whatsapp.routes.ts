import contentDisposition from 'content-disposition';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../platform/db/database.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { approvedTemplates, type InboxWhatsapp, readMessageMedia } from './inbox-whatsapp.service.js';
import { isInlineMedia } from './media-file.js';

const ZTemplate = z
  .object({
    name: z.string(),
    language: z.string(),
    category: z.string().nullable(),
    status: z.string(),
    components: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'MessageTemplate' });

/** Media are immutable (content-addressed): a browser may keep them, but only for this user. */
const MEDIA_MAX_AGE_SECONDS = 3600;
const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'conversations.read', apiKeyScope: 'messages:read' } as const;

/** What the inbox reads from WhatsApp: stored media of messages, and a channel's approved templates. */
export const inboxWhatsappRoutes: FastifyPluginAsyncZod<{ db: Db; whatsapp: InboxWhatsapp }> = async (
  app,
  { db, whatsapp },
) => {
  app.get(
    '/api/v1/messages/:id/media',
    {
      config: { access: read },
      schema: {
        tags: ['conversations'],
        summary: "A message's media file, once downloaded from Meta (404 until then)",
        params: ZId,
        response: { 200: z.any().describe('The file'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const media = await readMessageMedia(db, whatsapp, tenantId, request.params.id);
      return (
        reply
          .header('content-type', media.contentType)
          .header(
            'content-disposition',
            contentDisposition(media.fileName, {
              type: isInlineMedia(media.contentType) ? 'inline' : 'attachment',
            }),
          )
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', `private, max-age=${MEDIA_MAX_AGE_SECONDS}`)
          // Opened on its own, the file is a sandboxed document that may run and load nothing.
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(media.body)
      );
    },
  );

  app.get(
    '/api/v1/whatsapp/channels/:id/templates',
    {
      config: { access: read },
      schema: {
        tags: ['whatsapp'],
        summary: "The channel's approved message templates, as Meta lists them now",
        params: ZId,
        response: {
          200: z.object({ items: z.array(ZTemplate) }),
          ...errorResponses(400, 401, 403, 404, 502),
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return { items: await approvedTemplates(db, whatsapp, tenantId, request.params.id) };
    },
  );
};
