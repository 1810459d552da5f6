import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { ZPageLimit } from '../../platform/http/cursor.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZChannelChanges, ZNewChannel } from './channels.fields.js';
import {
  changeChannel,
  createChannel,
  getChannel,
  listTenantChannels,
  setChannelDisabled,
  webhookUrl,
} from './channels.service.js';
import type { WhatsappChannel } from './channels.table.js';

const ZChannel = z
  .object({
    id: z.uuid(),
    name: z.string(),
    phoneNumberId: z.string(),
    displayPhoneNumber: z.string(),
    wabaId: z.string(),
    webhookUrl: z.string(),
    messagesPerSecond: z.number().int(),
    messagingTier: z
      .number()
      .int()
      .nullable()
      .describe("Meta's messaging tier: unique recipients per rolling 24 h (null: unlimited)"),
    markAsRead: z.boolean(),
    appSecretRotating: z.boolean().describe('True while the previous app secret is still accepted'),
    previousAppSecretValidUntil: z.iso
      .datetime()
      .nullable()
      .describe('Until when the previous app secret is still accepted; null when no rotation is under way'),
    disabled: z.boolean(),
    verified: z
      .boolean()
      .describe('True once Meta confirmed the access token controls the number: only then is it exclusive'),
    verificationError: z
      .string()
      .nullable()
      .describe('Why the last proof failed; null while pending or proven'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WhatsappChannel' });

// Like other tenant settings: an API key needs the admin scope to change channels.
const access = { permission: 'channels.manage', apiKeyScope: 'channels:manage' } as const;
const ZId = z.object({ id: z.uuid() });
const errors = errorResponses(400, 401, 403, 404, 409);

/** Secrets are write-only: no response carries them (the verify token once, at creation, if generated). */
function toChannel(config: Config, channel: WhatsappChannel): z.infer<typeof ZChannel> {
  const graceEnds = channel.previousAppSecretExpiresAt;
  const rotating = Boolean(graceEnds && graceEnds.getTime() > Date.now());
  return {
    id: channel.id,
    name: channel.name,
    phoneNumberId: channel.phoneNumberId,
    displayPhoneNumber: channel.displayPhoneNumber,
    wabaId: channel.wabaId,
    webhookUrl: webhookUrl(config, channel.id),
    messagesPerSecond: channel.messagesPerSecond,
    messagingTier: channel.messagingTier,
    markAsRead: channel.markAsRead,
    appSecretRotating: rotating,
    previousAppSecretValidUntil: rotating && graceEnds ? graceEnds.toISOString() : null,
    disabled: channel.disabledAt !== null,
    verified: channel.verifiedAt !== null,
    verificationError: channel.verificationError,
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  };
}

export interface WhatsappChannelsRoutesOptions {
  db: Db;
  config: Config;
  /** Called after a channel changed, so the webhook's channel cache forgets it at once. */
  onChannelChanged?: (channelId: string) => void;
}

export const whatsappChannelsRoutes: FastifyPluginAsyncZod<WhatsappChannelsRoutesOptions> = async (
  app,
  { db, config, onChannelChanged },
) => {
  const changed = (channel: WhatsappChannel) => {
    onChannelChanged?.(channel.id);
    return toChannel(config, channel);
  };

  app.post(
    '/api/v1/whatsapp/channels',
    {
      config: { access },
      schema: {
        tags: ['whatsapp'],
        summary: 'Connect a WhatsApp Business phone number',
        body: ZNewChannel,
        response: {
          201: ZChannel.extend({
            verifyToken: z.string().describe('Enter it in Meta’s webhook settings. Shown only now.'),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { channel, verifyToken } = await createChannel(db, config, tenantId, actor, request.body);
      reply.code(201).header('cache-control', 'no-store');
      // A lookup of this id may have been cached as "unknown" before it existed.
      return { ...changed(channel), verifyToken };
    },
  );

  app.get(
    '/api/v1/whatsapp/channels',
    {
      config: { access },
      schema: {
        tags: ['whatsapp'],
        summary: 'List WhatsApp channels, newest first',
        querystring: z.strictObject({
          limit: ZPageLimit,
          cursor: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(ZChannel), nextCursor: z.uuid().nullable() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const rows = await listTenantChannels(db, tenantId, { limit: limit + 1, cursor });
      const page = rows.slice(0, limit);
      return {
        items: page.map((channel) => toChannel(config, channel)),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/v1/whatsapp/channels/:id',
    {
      config: { access },
      schema: {
        tags: ['whatsapp'],
        summary: 'A WhatsApp channel (no secrets)',
        params: ZId,
        response: { 200: ZChannel, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toChannel(config, await getChannel(db, tenantId, request.params.id));
    },
  );

  app.patch(
    '/api/v1/whatsapp/channels/:id',
    {
      config: { access },
      schema: {
        tags: ['whatsapp'],
        summary: 'Change a channel; a new app secret keeps the old one valid for the grace period',
        params: ZId,
        body: ZChannelChanges,
        response: { 200: ZChannel, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return changed(await changeChannel(db, config, tenantId, actor, request.params.id, request.body));
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/api/v1/whatsapp/channels/:id/${action}`,
      {
        config: { access },
        schema: {
          tags: ['whatsapp'],
          summary: disabled ? 'Disable a channel: its webhook answers 404' : 'Enable a disabled channel',
          params: ZId,
          response: { 200: ZChannel, ...errors },
        },
      },
      async (request) => {
        const { tenantId, ...actor } = tenantActor(request);
        return changed(await setChannelDisabled(db, tenantId, actor, request.params.id, disabled));
      },
    );
  }
};
