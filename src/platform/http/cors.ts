import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS for an allowlist of origins only (CORS_ORIGINS; ASVS 3.4.x). Allowed origins may send the session
 * cookie (credentials); any other origin gets no CORS headers at all, so browsers keep it out. Must be
 * registered before the access check, so preflights (which carry no credentials) are answered first and
 * error responses still carry the headers a browser needs to read them.
 */
export async function registerCors(
  app: FastifyInstance,
  options: { origins: readonly string[] },
): Promise<void> {
  const allowed = new Set(options.origins.map((origin) => new URL(origin).origin));
  // The plugin's catch-all OPTIONS route needs a policy: a preflight it did not answer (origin not
  // allowed) falls through to it and is a plain 404.
  app.addHook('onRoute', (route) => {
    if (route.url === '*' && route.method === 'OPTIONS') route.config = { ...route.config, access: 'public' };
  });
  await app.register(cors, {
    origin: (origin, callback) =>
      callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization', 'x-csrf-token', 'x-request-id'],
    exposedHeaders: [
      'x-request-id',
      'retry-after',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
    ],
    maxAge: 600,
  });
}
