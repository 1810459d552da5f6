import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { countryPicker } from './phone-policy.js';
import { findSettings, findWidget } from './widgets.service.js';

/**
 * The preview frame may be framed by the dashboard only (same origin), runs only our own widget script,
 * and may send nothing anywhere: the form in a preview never reaches the public endpoint.
 */
const PREVIEW_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // The widget styles its shadow root with one <style> element.
  "style-src 'unsafe-inline'",
  "connect-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** JSON safe inside a <script type="application/json"> block (no `</script>` or comment breakout). */
const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * The widget builder's live preview: the real widget script in a page of ours, shown in a frame of the
 * dashboard. It starts with the saved configuration; the builder posts unsaved drafts to it.
 */
export const widgetPreviewRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/widgets/:id/preview',
    {
      config: { access: { permission: 'channels.manage', apiKeyScope: 'admin' } },
      schema: {
        tags: ['widgets'],
        summary: 'An HTML page showing the widget as configured (the dashboard frames it as a live preview)',
        params: z.object({ id: z.uuid() }),
        response: { 200: z.string().describe('An HTML page'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { widget, settings } = await withTenant(db, tenantId, async (trx) => ({
        widget: await findWidget(trx, request.params.id),
        settings: await findSettings(trx),
      }));
      if (!widget) throw new AppError('not_found', 'Widget not found');
      const config = {
        config: {
          defaultCountry: widget.defaultCountry,
          countries: countryPicker(settings.allowedCountries),
          texts: widget.texts,
          colors: widget.colors,
        },
      };
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-security-policy', PREVIEW_CSP)
        .header('x-frame-options', 'SAMEORIGIN')
        .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Widget preview</title></head>
<body><main><h1 style="font:16px system-ui,sans-serif;color:#444">Your website</h1></main>
<script type="application/json" id="leadline-preview-config">${scriptJson(config)}</script>
<script src="/widget.js" data-leadline-preview></script></body></html>`);
    },
  );
};
