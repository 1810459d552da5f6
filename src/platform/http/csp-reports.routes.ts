import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorEnvelope } from './error-envelope.js';
import { parseJsonBody } from './json-body.js';

export const CSP_REPORT_PATH = '/api/v1/csp-reports';
const BODY_LIMIT = 16 * 1024;

const text = z.string().max(4096).optional();
/** `report-uri` format (application/csp-report). */
const ZLegacyReport = z.looseObject({
  'csp-report': z.looseObject({
    'violated-directive': text,
    'effective-directive': text,
    'blocked-uri': text,
  }),
});
/** Reporting API format (application/reports+json): a list of reports. */
const ZReportingApi = z
  .array(
    z.looseObject({
      type: z.string().max(100),
      body: z.looseObject({ effectiveDirective: text, blockedURL: text }).optional(),
    }),
  )
  .max(20);

/** Only the origin of a blocked URL, or its keyword (inline, eval): paths and queries may hold personal data. */
export function blockedOrigin(value: string | undefined): string {
  if (!value) return 'none';
  if (/^[a-z-]{1,20}$/.test(value)) return value;
  try {
    const url = new URL(value);
    return url.origin === 'null' ? `${url.protocol}` : url.origin;
  } catch {
    return 'unparseable';
  }
}

const DIRECTIVE = /^[a-z-]{1,40}$/;
function directiveOf(value: string | undefined): string {
  const first = value?.split(' ')[0];
  return first && DIRECTIVE.test(first) ? first : 'unknown';
}

/**
 * Browsers post Content-Security-Policy violations here (public, tier 'public-form'). Each is logged at
 * warn with only the directive and the blocked origin, then forgotten.
 */
export const cspReportRoutes: FastifyPluginAsyncZod = async (app) => {
  // Scoped to this plugin: the rest of the API still accepts application/json only.
  for (const type of ['application/csp-report', 'application/reports+json']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as Buffer, 8));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  }

  app.post(
    CSP_REPORT_PATH,
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public', rateLimit: 'public-form' },
      schema: {
        tags: ['security'],
        summary: 'Receive Content-Security-Policy violation reports',
        body: z.union([ZLegacyReport, ZReportingApi]),
        response: {
          204: z.null(),
          400: ZErrorEnvelope,
          413: ZErrorEnvelope,
          415: ZErrorEnvelope,
          429: ZErrorEnvelope,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const violations = Array.isArray(body)
        ? body
            .filter((report) => report.type === 'csp-violation')
            .map((report) => ({
              directive: directiveOf(report.body?.effectiveDirective),
              blocked: blockedOrigin(report.body?.blockedURL),
            }))
        : [
            {
              directive: directiveOf(
                body['csp-report']['effective-directive'] ?? body['csp-report']['violated-directive'],
              ),
              blocked: blockedOrigin(body['csp-report']['blocked-uri']),
            },
          ];
      for (const violation of violations)
        request.log.warn({ csp: violation }, 'content security policy violation');
      return reply.code(204).send(null);
    },
  );
};
