import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** dist/widget beside src/ and dist/ alike: this file is src/widgets or dist/widgets. */
export const DEFAULT_WIDGET_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../dist/widget/widget.js',
);

interface Script {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

function load(file: string): Script | undefined {
  try {
    const body = readFileSync(file);
    return {
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${body.length.toString(16)}-${Date.now().toString(16)}"`,
    };
  } catch {
    return undefined;
  }
}

/**
 * The call-me-back widget's script (built by `npm run build:widget` into dist/widget), loaded by the
 * tenant's website with one <script> tag. Read once, served gzipped when the browser accepts it; 404
 * until it has been built.
 */
export const widgetScriptRoutes: FastifyPluginAsyncZod<{ file?: string }> = async (app, options) => {
  const script = load(options.file ?? DEFAULT_WIDGET_SCRIPT);
  app.get('/widget.js', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (!script)
      return reply.code(404).type('text/plain').send('The widget has not been built (npm run build:widget).');
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('etag', script.etag)
      .header('vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === script.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(script.gzip);
    }
    return reply.send(script.body);
  });
};
