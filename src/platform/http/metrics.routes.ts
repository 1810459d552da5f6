import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../metrics/metrics.js';

async function httpMetrics(app: FastifyInstance, options: { metrics: Metrics; exposeWithToken: boolean }) {
  const { metrics } = options;
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: bounded label values, no ids or personal data.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  if (options.exposeWithToken) {
    app.get(
      '/metrics',
      { config: { access: 'metrics-token' }, schema: { hide: true } },
      async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  }
}

export const httpMetricsPlugin = fp(httpMetrics, { name: 'http-metrics' });
