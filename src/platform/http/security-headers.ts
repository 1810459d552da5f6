import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Strict by default: same-origin everything, no framing, no inline script. HSTS only behind HTTPS.
 * helmet's middleware is built once here: @fastify/helmet rebuilt it (parsing every CSP directive) on each
 * request, a few per cent of the webhook hot path's CPU.
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  options: { https: boolean; publicUrl: string },
): Promise<void> {
  // The dashboard's live channel: CSP3 lets 'self' cover ws(s) to the same host, older browsers do not.
  const liveOrigin = new URL(options.publicUrl).origin.replace(/^http/, 'ws');
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", liveOrigin],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Violations are posted to our own rate-limited endpoint and logged (csp-reports.routes.ts).
        reportUri: ['/api/v1/csp-reports'],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  // Set on the raw response first; a route's own reply.header (the media route's sandbox CSP) wins.
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}
