import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DependencyProbe } from './dependency-probe.js';

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

const ZReadiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.boolean()),
  /** Optional external dependencies: reported, never a reason for 503. */
  dependencies: z.record(
    z.string(),
    z.object({
      state: z.enum(['up', 'down', 'degraded', 'not_configured']),
      open: z.number().int().min(0).optional(),
    }),
  ),
});

export const healthRoutes: FastifyPluginAsyncZod<{
  readiness: ReadinessCheck;
  dependencies?: DependencyProbe;
}> = async (app, options) => {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up and serving',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary:
          'Readiness: database reachable, migrations current, a job worker alive; optional dependencies reported',
        response: { 200: ZReadiness, 503: ZReadiness },
      },
    },
    async (_request, reply) => {
      const [checks, dependencies] = await Promise.all([
        options.readiness(),
        options.dependencies ? options.dependencies() : {},
      ]);
      const ready = Object.values(checks).every(Boolean);
      reply.code(ready ? 200 : 503);
      return { status: ready ? ('ready' as const) : ('not_ready' as const), checks, dependencies };
    },
  );
};
