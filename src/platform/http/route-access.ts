import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './app-error.js';

/**
 * How a route is reached. Every route declares one in `config.access`; a route without one answers
 * 401 to everybody. The accounts issue adds session and API-key policies here.
 */
export type RouteAccess = 'public' | 'metrics-token';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    routeCatalog(): readonly CatalogEntry[];
  }
}

export interface CatalogEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

export interface RouteAccessOptions {
  metricsToken: string | undefined;
}

type Check = (request: FastifyRequest) => void;

function bearerCheck(expected: string | undefined): Check {
  const expectedBytes = expected ? Buffer.from(expected) : undefined;
  return (request) => {
    const header = request.headers.authorization;
    const offered = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    const offeredBytes = Buffer.from(offered);
    const ok =
      expectedBytes !== undefined &&
      offeredBytes.length === expectedBytes.length &&
      timingSafeEqual(offeredBytes, expectedBytes);
    if (!ok) throw new AppError('unauthenticated', 'Missing or invalid bearer token');
  };
}

async function routeAccess(app: FastifyInstance, options: RouteAccessOptions) {
  const checks: Record<RouteAccess, Check> = {
    public: () => {},
    'metrics-token': bearerCheck(options.metricsToken),
  };
  const routes: { url: string; methods: string[]; route: RouteOptions }[] = [];
  // Access is read lazily: hooks of child contexts (markRoutesPublic) run after this one and may still set
  // it. The URL is copied now: for a prefix's '/' route Fastify reuses the options object and rewrites its
  // url to the trailing-slash variant after this hook has run.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? [...route.method] : [route.method];
    routes.push({ url: route.url, methods, route });
  });
  app.decorate('routeCatalog', () =>
    routes.flatMap(({ url, methods, route }) =>
      methods.map((method) => ({ method, url, access: route.config?.access })),
    ),
  );

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (!access) throw new AppError('unauthenticated', 'Authentication required');
    checks[access](request);
  });
}

export const routeAccessPlugin = fp(routeAccess, { name: 'route-access' });

/** Marks every route registered inside `app` (a child context) as public, e.g. for third-party plugins. */
export function markRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config ??= {};
    route.config.access = 'public';
  });
}
