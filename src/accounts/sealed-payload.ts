import { z } from 'zod';
import { SecretBox } from '../platform/crypto/secret-box.js';
import type { RequestContext } from './principal.js';

/**
 * Account jobs carry addresses and password hashes; job rows hold them only sealed (as `mail.send`
 * does), under a purpose of their own.
 */
const SEAL_PURPOSE = 'account-job';

export const ZSealedPayload = z.object({ sealed: z.string().min(1).max(20_000) });

export function sealPayload(secretKey: string, value: unknown): { sealed: string } {
  return { sealed: new SecretBox(secretKey, SEAL_PURPOSE).seal(JSON.stringify(value)) };
}

export function openPayload<Schema extends z.ZodType>(
  secretKey: string,
  payload: { sealed: string },
  schema: Schema,
): z.infer<Schema> {
  return schema.parse(JSON.parse(new SecretBox(secretKey, SEAL_PURPOSE).open(payload.sealed)));
}

/** The request context of the asking request, carried into the job for its audit entries. */
export const ZJobRequestContext = z
  .object({
    requestId: z.string().max(128),
    ip: z.string().max(100),
    userAgent: z.string().max(512).optional(),
  })
  .transform((context): RequestContext => ({ ...context, userAgent: context.userAgent }));

export function jobContext(context: RequestContext): z.input<typeof ZJobRequestContext> {
  return {
    requestId: context.requestId,
    ip: context.ip,
    ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 512) } : {}),
  };
}
