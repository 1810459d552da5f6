import { z } from 'zod';

export const ZErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type TErrorEnvelope = z.infer<typeof ZErrorEnvelope>;

/** Response schemas for the error statuses a route can answer, e.g. `...errorResponses(400, 401, 404)`. */
export function errorResponses<const Status extends number>(
  ...statuses: Status[]
): Record<Status, typeof ZErrorEnvelope> {
  return Object.fromEntries(statuses.map((status) => [status, ZErrorEnvelope])) as Record<
    Status,
    typeof ZErrorEnvelope
  >;
}
