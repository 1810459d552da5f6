import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** Strict by default: same-origin everything, no framing, no inline script. HSTS only behind HTTPS. */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  options: { https: boolean; publicUrl: string },
): Promise<void> {
  // The dashboard's live channel: CSP3 lets 'self' cover ws(s) to the same host, older browsers do not.
  const liveOrigin = new URL(options.publicUrl).origin.replace(/^http/, 'ws');
  await app.register(helmet, {
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
}
