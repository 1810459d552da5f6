import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { findWidget } from '../widgets/widgets.service.js';
import { deleteCalendar, findCalendar, saveCalendar } from './business-hours.repository.js';
import { openingState } from './business-hours.service.js';
import { upcomingHolidays, ZBusinessHours } from './calendar.js';

const access = { permission: 'channels.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404);
const tags = ['business-hours'];
const ZView = z.object({
  calendar: ZBusinessHours.nullable(),
  open: z.boolean(),
  nextOpening: z.iso.datetime().nullable(),
  upcomingHolidays: z.array(z.object({ date: z.string(), name: z.string() })),
});
const ZWidgetParams = z.object({ id: z.uuid() });

export const businessHoursRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const view = async (tenantId: string, widgetId: string | null) =>
    withTenant(db, tenantId, async (trx) => {
      if (widgetId && !(await findWidget(trx, widgetId))) throw new AppError('not_found', 'Widget not found');
      const own = await findCalendar(trx, widgetId);
      const state = await openingState(trx, widgetId);
      const calendar = own ? ZBusinessHours.parse(own.calendar) : null;
      return {
        calendar,
        open: state.open,
        nextOpening: state.nextOpening?.toISOString() ?? null,
        upcomingHolidays: calendar ? upcomingHolidays(calendar, new Date(), 10) : [],
      };
    });

  app.get(
    '/api/v1/business-hours',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The workspace’s business hours, whether open now and the next opening',
        response: { 200: ZView, ...errors },
      },
    },
    async (request) => view(tenantActor(request).tenantId, null),
  );
  app.put(
    '/api/v1/business-hours',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Set the workspace’s business hours',
        body: ZBusinessHours,
        response: { 200: ZView, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      await withTenant(db, tenantId, (trx) => saveCalendar(trx, null, request.body));
      return view(tenantId, null);
    },
  );
  app.get(
    '/api/v1/widgets/:id/business-hours',
    {
      config: { access },
      schema: {
        tags,
        summary: 'A widget’s own hours (calendar null: it follows the workspace’s)',
        params: ZWidgetParams,
        response: { 200: ZView, ...errors },
      },
    },
    async (request) => view(tenantActor(request).tenantId, request.params.id),
  );
  app.put(
    '/api/v1/widgets/:id/business-hours',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Override the hours for one widget',
        params: ZWidgetParams,
        body: ZBusinessHours,
        response: { 200: ZView, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      await withTenant(db, tenantId, async (trx) => {
        if (!(await findWidget(trx, request.params.id))) throw new AppError('not_found', 'Widget not found');
        await saveCalendar(trx, request.params.id, request.body);
      });
      return view(tenantId, request.params.id);
    },
  );
  app.delete(
    '/api/v1/widgets/:id/business-hours',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Drop a widget’s override (it follows the workspace’s hours again)',
        params: ZWidgetParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const deleted = await withTenant(db, tenantId, (trx) => deleteCalendar(trx, request.params.id));
      if (!deleted) throw new AppError('not_found', 'No override for this widget');
      return reply.code(204).send(null);
    },
  );
};
