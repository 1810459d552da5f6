import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import { findConnection, twilioSecretBox } from './connection.service.js';
import { type TwilioParams, validTwilioRequest } from './signature.js';

export const TWILIO_BODY_LIMIT = 64 * 1024;
const MAX_PARAMS = 200;

/**
 * Reads a form body strictly: valid UTF-8 only, no NUL, a bounded number of fields. Repeated names are
 * kept as lists (they count in the signature); fields read as scalars take their first value.
 */
export function parseTwilioForm(raw: Buffer): Record<string, string | string[]> {
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new AppError('bad_request', 'The body is not valid UTF-8');
  }
  const params: Record<string, string | string[]> = Object.create(null);
  let count = 0;
  for (const [name, value] of new URLSearchParams(decoded)) {
    count += 1;
    if (count > MAX_PARAMS) throw new AppError('bad_request', 'Too many parameters');
    if (name.includes('\u0000') || value.includes('\u0000'))
      throw new AppError('bad_request', 'NUL in a parameter');
    const existing = params[name];
    params[name] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

function scalars(params: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? (value[0] ?? '') : value]),
  );
}

/** Twilio's webhooks are form-encoded: the body is kept as bytes, parsed once its size is known. */
export function acceptTwilioForms(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: TWILIO_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
}

export interface VerifiedTwilioRequest<T> {
  /** Every parameter as posted (what Twilio signed). */
  params: Record<string, string | string[]>;
  fields: T;
}

/**
 * Verifies a Twilio webhook of a workspace: X-Twilio-Signature over PUBLIC_URL plus the path and query
 * Twilio was given, and every parameter, under the workspace's auth token, before anything is read or
 * stored. A bad signature is 401 with no side effect; parameters the schema refuses are 400.
 */
export function createTwilioVerifier(deps: { db: Db; config: Config; metrics: Metrics }) {
  const box = twilioSecretBox(deps.config);
  return async function verified<T extends z.ZodType>(
    request: FastifyRequest,
    tenantId: string,
    schema: T,
  ): Promise<VerifiedTwilioRequest<z.infer<T>>> {
    if (!Buffer.isBuffer(request.body)) throw new AppError('bad_request', 'A form body is required');
    const params = parseTwilioForm(request.body);
    const connection = await withTenant(deps.db, tenantId, findConnection);
    if (!connection) throw new AppError('not_found', 'Unknown webhook');
    const url = `${deps.config.http.publicUrl}${request.url}`;
    const authToken = box.open(connection.authTokenSealed);
    if (!validTwilioRequest(authToken, request.headers['x-twilio-signature'], url, params as TwilioParams)) {
      deps.metrics.badWebhookSignatures.inc({ provider: 'twilio' });
      request.log.warn({ route: request.routeOptions.url }, 'Twilio webhook with a bad signature');
      throw new AppError('unauthenticated', 'Invalid signature');
    }
    const fields = schema.safeParse(scalars(params));
    if (!fields.success) throw new AppError('bad_request', 'Unexpected Twilio parameters');
    return { params, fields: fields.data };
  };
}
