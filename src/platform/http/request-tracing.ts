import type { Context, Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { endRequestSpan, startRequestSpan, tracingActive, withContext } from '../observability/tracing.js';

/**
 * One server span per request when tracing is on (nothing is registered otherwise). Named by the route's
 * pattern (`POST /api/v1/conversations/:id/messages`), never the URL, so no id or query string goes out;
 * the workspace id is added once the request is authenticated. Handlers run with the span active, so an
 * outbound call or a job enqueued while handling it joins the trace. Must be called before any route is
 * registered (the handlers are wrapped as routes are added).
 */
export function registerRequestTracing(app: FastifyInstance): void {
  if (!tracingActive()) return;
  const spans = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

  app.addHook('onRequest', (request, _reply, done) => {
    const started = startRequestSpan(request.method, request.routeOptions.url, request.headers);
    if (!started) return done();
    spans.set(request, started);
    withContext(started.context, done);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const started = spans.get(request);
    if (started) {
      spans.delete(request);
      endRequestSpan(started.span, reply.statusCode, request.principal?.tenantId ?? undefined);
    }
    done();
  });

  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function traced(this: FastifyInstance, request, reply) {
      const started = spans.get(request);
      return started
        ? withContext(started.context, () => handler.call(this, request, reply))
        : handler.call(this, request, reply);
    } as RouteHandlerMethod;
  });
}
