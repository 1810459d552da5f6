import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { multipartError } from '../../platform/http/multipart-errors.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { uploadAttachment, uploadLimitBytes } from './attachments.service.js';
import type { ConversationAttachment } from './attachments.table.js';

const ZAttachment = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    kind: z.enum(['image', 'document']),
    mimeType: z.string(),
    fileName: z.string(),
    sizeBytes: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'ConversationAttachment' });

function toAttachment(row: ConversationAttachment): z.infer<typeof ZAttachment> {
  return {
    id: row.id,
    conversationId: row.conversationId,
    kind: row.kind,
    mimeType: row.mimeType,
    fileName: row.fileName,
    sizeBytes: Number(row.sizeBytes),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Operators' files to send in a conversation (then named by an image or document message). */
export const conversationAttachmentsRoutes: FastifyPluginAsyncZod<{
  db: Db;
  blobs: BlobStore;
  mediaMaxBytes: number;
}> = async (app, { db, blobs, mediaMaxBytes }) => {
  const limit = uploadLimitBytes(mediaMaxBytes);
  await app.register(multipart, {
    limits: { fileSize: limit, files: 1, fields: 0, parts: 1, headerPairs: 20, fieldNameSize: 100 },
    throwFileSizeLimit: true,
  });

  app.post(
    '/api/v1/conversations/:id/attachments',
    {
      config: { access: { permission: 'conversations.write', apiKeyScope: 'messages:write' } },
      schema: {
        tags: ['conversations'],
        summary:
          'Upload a file to send in the conversation (multipart, one file; its type is read from its bytes)',
        consumes: ['multipart/form-data'],
        params: z.object({ id: z.uuid() }),
        response: { 201: ZAttachment, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const { tenantId, userId, apiKeyId, context } = tenantActor(request);
      if (!request.isMultipart())
        throw new AppError('unsupported_media_type', 'Send the file as multipart/form-data');
      try {
        const parts = request.files();
        const first = await parts.next();
        const file = first.done ? undefined : first.value;
        // A part without a file name is a form field, not a file.
        if (!file || typeof file.filename !== 'string')
          throw new AppError('bad_request', 'No file in the upload');
        // The whole file, then the end of the form: a second file or a field is refused by the parser's limits.
        const bytes = await file.toBuffer();
        await parts.next();
        const created = await uploadAttachment(
          db,
          blobs,
          tenantId,
          { userId, apiKeyId, context },
          { conversationId: request.params.id, fileName: file.filename, bytes, maxBytes: limit },
        );
        reply.code(201);
        return toAttachment(created);
      } catch (error) {
        throw multipartError(error, limit);
      }
    },
  );
};
