import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { markRoutesPublic } from './route-access.js';

/**
 * The reference page's own policy, as strict as Swagger UI allows: its scripts and styles are files under
 * /api/docs/static (no inline script), React sets styles through the CSSOM (not restricted by CSP), and it
 * fetches only the document beside it. The one inline `<style>` element the bundle injects is allowed by
 * its hash, not by 'unsafe-inline' (test/browser/api-docs.test.ts fails if an upgrade changes it).
 */
const SWAGGER_UI_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  `style-src 'self' ${SWAGGER_UI_STYLE_HASH}`,
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  'report-uri /api/v1/csp-reports',
].join('; ');

/** The OpenAPI document is built from every route's Zod schemas; the reference UI is served locally. */
async function openapi(app: FastifyInstance, options: { version: string; publicUrl: string }) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Leadline API',
        version: options.version,
        description: 'JSON under /api/v1. Errors are { "error": { "code", "message", "requestId" } }.',
      },
      servers: [{ url: options.publicUrl }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(async (docs) => {
    markRoutesPublic(docs);
    await docs.register(swaggerUi, {
      routePrefix: '/api/docs',
      staticCSP: DOCS_CSP,
    });
  });
}

export const openapiPlugin = fp(openapi, { name: 'openapi' });
