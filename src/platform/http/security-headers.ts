import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Strict by default: same-origin everything, no framing, no inline script. HSTS only behind HTTPS.
 * Every directive is a constant (no nonces), so helmet runs once, at start-up, and each request gets the
 * headers it wrote: running its middleware per request, which rebuilds the CSP string, cost a few per
 * cent of the webhook hot path's CPU.
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
  const headers = headersWrittenBy(setHeaders);
  // Set on the raw response first; a route's own reply.header (the media route's sandbox CSP) wins.
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The headers a middleware sets on a response (helmet's are the same for every request here). */
function headersWrittenBy(middleware: Middleware): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), String(value)),
    // helmet drops X-Powered-By, which Node never sends.
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  let finished = false;
  middleware({ headers: {} } as IncomingMessage, response as unknown as ServerResponse, (error) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('security headers: helmet did not finish synchronously');
  return Object.freeze([...headers.entries()]);
}
