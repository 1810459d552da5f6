import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { ZPageLimit } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZCallbackSettings, ZNewWidget, ZWidgetChanges } from './widgets.fields.js';
import {
  changeWidget,
  createWidget,
  findSettings,
  findWidget,
  listWidgets,
  saveSettings,
} from './widgets.service.js';
import type { CallbackWidget } from './widgets.table.js';

const ZWidget = z
  .object({
    id: z.uuid(),
    publicKey: z.string(),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    defaultCountry: z.string(),
    texts: z.record(z.string(), z.unknown()),
    colors: z.record(z.string(), z.string()),
    agentNumbers: z.array(z.string()),
    ringStrategy: z.enum(['simultaneous', 'sequential']),
    callerNumberId: z.uuid().nullable(),
    disabled: z.boolean(),
    snippet: z.string().describe('The <script> tag to paste into the website'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'CallbackWidget' });

const access = { permission: 'channels.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);
const tags = ['widgets'];

function toWidget(config: Config, widget: CallbackWidget): z.infer<typeof ZWidget> {
  return {
    id: widget.id,
    publicKey: widget.publicKey,
    name: widget.name,
    allowedOrigins: widget.allowedOrigins,
    defaultCountry: widget.defaultCountry,
    texts: widget.texts,
    colors: { ...widget.colors },
    agentNumbers: widget.agentNumbers,
    ringStrategy: widget.ringStrategy,
    callerNumberId: widget.callerNumberId,
    disabled: widget.disabledAt !== null,
    snippet: `<script src="${config.http.publicUrl}/widget.js" data-leadline-widget="${widget.publicKey}" async></script>`,
    createdAt: widget.createdAt.toISOString(),
    updatedAt: widget.updatedAt.toISOString(),
  };
}

export const callbackWidgetsRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  app.post(
    '/api/v1/widgets',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Create a call-me-back widget',
        body: ZNewWidget,
        response: { 201: ZWidget, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toWidget(config, await createWidget(db, tenantId, actor, request.body));
    },
  );

  app.get(
    '/api/v1/widgets',
    {
      config: { access },
      schema: {
        tags,
        summary: 'List call-me-back widgets, newest first',
        querystring: z.strictObject({
          limit: ZPageLimit,
          cursor: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(ZWidget), nextCursor: z.uuid().nullable() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const rows = await withTenant(db, tenantId, (trx) => listWidgets(trx, { limit: limit + 1, cursor }));
      const page = rows.slice(0, limit);
      return {
        items: page.map((widget) => toWidget(config, widget)),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/v1/widgets/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'A call-me-back widget',
        params: z.object({ id: z.uuid() }),
        response: { 200: ZWidget, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const widget = await withTenant(db, tenantId, (trx) => findWidget(trx, request.params.id));
      if (!widget) throw new AppError('not_found', 'Widget not found');
      return toWidget(config, widget);
    },
  );

  app.patch(
    '/api/v1/widgets/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Change a widget (origins, texts, colours, agent numbers, ring strategy, caller number)',
        params: z.object({ id: z.uuid() }),
        body: ZWidgetChanges,
        response: { 200: ZWidget, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toWidget(config, await changeWidget(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.get(
    '/api/v1/callback-settings',
    {
      config: { access },
      schema: { tags, summary: 'Workspace call-back rules', response: { 200: ZCallbackSettings, ...errors } },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const settings = await withTenant(db, tenantId, findSettings);
      return {
        allowedCountries: settings.allowedCountries,
        retryAfterMinutes: settings.retryAfterMinutes,
        maxRetries: settings.maxRetries,
        machineDetection: settings.machineDetection,
        perNumberPerDay: settings.perNumberPerDay,
        perWidgetPerDay: settings.perWidgetPerDay,
        notifyEmail: settings.notifyEmail,
        notifySmsE164: settings.notifySmsE164,
      };
    },
  );

  app.put(
    '/api/v1/callback-settings',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Set the country allow-list, retry policy, limits and out-of-hours notices',
        body: ZCallbackSettings,
        response: { 200: ZCallbackSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      await saveSettings(db, tenantId, actor, request.body);
      return request.body;
    },
  );
};
